//! The one portable schema. Both migration folders must produce exactly these tables and columns;
//! `tests/schema_parity.rs` holds them to it.

diesel::table! {
    outbox_events (id) {
        id -> BigInt,
        topic -> Text,
        entity_id -> BigInt,
        kind -> Text,
        payload -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    outbox_positions (follower) {
        follower -> Text,
        position -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        phone -> Text,
        nickname -> Text,
        avatar_url -> Nullable<Text>,
        password_hash -> Nullable<Text>,
        is_admin -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> BigInt,
        user_id -> BigInt,
        user_agent -> Nullable<Text>,
        ip -> Nullable<Text>,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        revoked_reason -> Nullable<Text>,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> BigInt,
        session_id -> BigInt,
        token_hash -> Text,
        created_at -> Timestamp,
        spent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    addresses (id) {
        id -> BigInt,
        user_id -> BigInt,
        recipient -> Text,
        phone -> Text,
        province -> Text,
        city -> Text,
        district -> Text,
        detail -> Text,
        postal_code -> Nullable<Text>,
        is_default -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    shops (id) {
        id -> BigInt,
        owner_id -> BigInt,
        name -> Text,
        main_category -> Text,
        description -> Text,
        contact_phone -> Text,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        logo_url -> Nullable<Text>,
        banner_url -> Nullable<Text>,
        brand_story -> Nullable<Text>,
        address -> Nullable<Text>,
        latitude -> Nullable<Double>,
        longitude -> Nullable<Double>,
        business_hours -> Nullable<Text>,
        service_hours -> Nullable<Text>,
        followers_count -> BigInt,
        rating_avg -> Nullable<Double>,
        rating_count -> BigInt,
        shipping_fee -> BigInt,
        free_shipping_from -> BigInt,
    }
}

diesel::table! {
    shop_members (shop_id, user_id) {
        shop_id -> BigInt,
        user_id -> BigInt,
        role -> Text,
        added_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    shop_applications (id) {
        id -> BigInt,
        applicant_id -> BigInt,
        shop_name -> Text,
        main_category -> Text,
        licence_number -> Text,
        contact_phone -> Text,
        description -> Text,
        status -> Text,
        reviewer_id -> Nullable<BigInt>,
        review_reason -> Nullable<Text>,
        reviewed_at -> Nullable<Timestamp>,
        shop_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sms_messages (id) {
        id -> BigInt,
        phone -> Text,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    categories (id) {
        id -> BigInt,
        parent_id -> Nullable<BigInt>,
        name_zh -> Text,
        name_en -> Text,
        path -> Text,
        position -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    shop_follows (user_id, shop_id) {
        user_id -> BigInt,
        shop_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    products (id) {
        id -> BigInt,
        shop_id -> BigInt,
        category_id -> BigInt,
        title -> Text,
        subtitle -> Text,
        description -> Text,
        brand -> Text,
        tags -> Text,
        attributes -> Text,
        images -> Text,
        video_url -> Nullable<Text>,
        specs -> Text,
        status -> Text,
        price_min -> BigInt,
        price_max -> BigInt,
        total_stock -> BigInt,
        sales_count -> BigInt,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        published_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    skus (id) {
        id -> BigInt,
        product_id -> BigInt,
        spec_key -> Text,
        spec_values -> Text,
        price -> BigInt,
        original_price -> Nullable<BigInt>,
        stock -> BigInt,
        code -> Nullable<Text>,
        image_url -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    inventory_ledger (id) {
        id -> BigInt,
        sku_id -> BigInt,
        delta -> BigInt,
        stock_after -> BigInt,
        reason -> Text,
        note -> Nullable<Text>,
        actor_id -> Nullable<BigInt>,
        order_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    product_views (user_id, product_id) {
        user_id -> BigInt,
        product_id -> BigInt,
        viewed_at -> Timestamp,
    }
}

diesel::table! {
    cart_items (id) {
        id -> BigInt,
        user_id -> BigInt,
        sku_id -> BigInt,
        quantity -> Integer,
        price_at_add -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    checkouts (id) {
        id -> BigInt,
        user_id -> BigInt,
        idempotency_key -> Text,
        request_hash -> Text,
        response -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    orders (id) {
        id -> BigInt,
        checkout_id -> BigInt,
        user_id -> BigInt,
        shop_id -> BigInt,
        status -> Text,
        subtotal -> BigInt,
        shipping_fee -> BigInt,
        total -> BigInt,
        address -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        paid_at -> Nullable<Timestamp>,
        shipped_at -> Nullable<Timestamp>,
        carrier -> Nullable<Text>,
        tracking_number -> Nullable<Text>,
        payer_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    order_items (id) {
        id -> BigInt,
        order_id -> BigInt,
        sku_id -> BigInt,
        product_id -> BigInt,
        title -> Text,
        specs -> Text,
        unit_price -> BigInt,
        quantity -> Integer,
    }
}

diesel::table! {
    order_events (id) {
        id -> BigInt,
        order_id -> BigInt,
        from_status -> Nullable<Text>,
        to_status -> Text,
        actor_id -> Nullable<BigInt>,
        reason -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    refund_requests (id) {
        id -> BigInt,
        order_id -> BigInt,
        user_id -> BigInt,
        status -> Text,
        reason -> Text,
        decision_reason -> Nullable<Text>,
        decided_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        decided_at -> Nullable<Timestamp>,
        refunded_at -> Nullable<Timestamp>,
        lines -> Text,
        amount -> Nullable<BigInt>,
        points -> BigInt,
        whole -> Bool,
    }
}

diesel::joinable!(refund_requests -> orders (order_id));
diesel::joinable!(order_items -> orders (order_id));
diesel::joinable!(order_events -> orders (order_id));
diesel::joinable!(cart_items -> skus (sku_id));
diesel::joinable!(products -> shops (shop_id));
diesel::joinable!(products -> categories (category_id));
diesel::joinable!(skus -> products (product_id));
diesel::joinable!(inventory_ledger -> skus (sku_id));
diesel::joinable!(product_views -> products (product_id));
diesel::joinable!(shop_follows -> shops (shop_id));

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(addresses -> users (user_id));
diesel::joinable!(shop_members -> shops (shop_id));
diesel::joinable!(shop_members -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    outbox_events,
    outbox_positions,
    users,
    sessions,
    refresh_tokens,
    addresses,
    shops,
    shop_members,
    shop_applications,
    sms_messages,
    categories,
    shop_follows,
    products,
    skus,
    inventory_ledger,
    product_views,
    cart_items,
    checkouts,
    orders,
    order_items,
    order_events,
    refund_requests,
    chat_conversations,
    chat_messages,
    chat_shop_settings,
    chat_sensitive_words,
    chat_reports,
    search_synonyms,
    payments,
    payment_orders,
    payment_refunds,
    payment_notifications,
    payment_shares,
    in_store_payments,
    coupon_templates,
    coupon_claim_counts,
    coupons,
    order_adjustments,
    point_balances,
    point_entries,
    check_ins,
    shop_customers,
    flash_sales,
    flash_buyers,
    flash_reservations,
    shop_promotions,
);

diesel::table! {
    payments (id) {
        id -> BigInt,
        out_trade_no -> Text,
        checkout_id -> Nullable<BigInt>,
        user_id -> BigInt,
        payer_id -> BigInt,
        provider -> Text,
        channel -> Text,
        amount -> BigInt,
        currency -> Text,
        status -> Text,
        provider_trade_no -> Nullable<Text>,
        instructions -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        paid_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        queried_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    payment_orders (payment_id, order_id) {
        payment_id -> BigInt,
        order_id -> BigInt,
        amount -> BigInt,
    }
}

diesel::table! {
    payment_refunds (id) {
        id -> BigInt,
        payment_id -> BigInt,
        order_id -> Nullable<BigInt>,
        refund_request_id -> Nullable<BigInt>,
        out_refund_no -> Text,
        amount -> BigInt,
        reason -> Text,
        status -> Text,
        provider_refund_id -> Nullable<Text>,
        created_at -> Timestamp,
        completed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    payment_notifications (id) {
        id -> BigInt,
        provider -> Text,
        out_trade_no -> Nullable<Text>,
        payment_id -> Nullable<BigInt>,
        headers -> Text,
        body -> Text,
        outcome -> Text,
        detail -> Text,
        received_at -> Timestamp,
    }
}

diesel::table! {
    payment_shares (code) {
        code -> Text,
        checkout_id -> BigInt,
        user_id -> BigInt,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    in_store_payments (id) {
        id -> BigInt,
        code -> Text,
        shop_id -> BigInt,
        created_by -> BigInt,
        amount -> BigInt,
        note -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        order_id -> Nullable<BigInt>,
    }
}

diesel::joinable!(payment_orders -> payments (payment_id));
diesel::joinable!(payment_orders -> orders (order_id));
diesel::joinable!(payment_refunds -> payments (payment_id));
diesel::joinable!(in_store_payments -> shops (shop_id));

mod campaign_tables;
mod chat;
mod promotions;
pub use campaign_tables::*;
pub use chat::*;
pub use promotions::*;
