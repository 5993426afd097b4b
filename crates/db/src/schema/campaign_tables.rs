//! Campaigns' tables: campaigns and their placements, short links and their visits, the funnel's
//! events, the orders credited to a campaign, and lucky draws (prizes, chances, plays).

diesel::table! {
    campaigns (id) {
        id -> BigInt,
        shop_id -> Nullable<BigInt>,
        name -> Text,
        target_kind -> Text,
        target_id -> Nullable<BigInt>,
        target_text -> Nullable<Text>,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        attribution_days -> BigInt,
        coupon_template_id -> Nullable<BigInt>,
        coupon_budget -> BigInt,
        coupons_given -> BigInt,
        points_budget -> BigInt,
        points_given -> BigInt,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    short_links (id) {
        id -> BigInt,
        code -> Text,
        shop_id -> Nullable<BigInt>,
        campaign_id -> Nullable<BigInt>,
        target -> Text,
        starts_at -> Timestamp,
        ends_at -> Nullable<Timestamp>,
        max_visits -> Nullable<BigInt>,
        visits -> BigInt,
        disabled -> Bool,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    campaign_placements (id) {
        id -> BigInt,
        campaign_id -> BigInt,
        name -> Text,
        link_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    link_visits (id) {
        id -> BigInt,
        link_id -> BigInt,
        visited_at -> Timestamp,
        day -> Text,
        client -> Text,
        device -> Text,
        bot -> Bool,
        user_id -> Nullable<BigInt>,
        visitor -> Nullable<Text>,
    }
}

diesel::table! {
    campaign_events (id) {
        id -> BigInt,
        campaign_id -> BigInt,
        placement_id -> Nullable<BigInt>,
        kind -> Text,
        day -> Text,
        user_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    order_attributions (order_id) {
        order_id -> BigInt,
        campaign_id -> BigInt,
        placement_id -> Nullable<BigInt>,
        link_id -> BigInt,
        touched_at -> Timestamp,
        created_at -> Timestamp,
    }
}

diesel::table! {
    draws (id) {
        id -> BigInt,
        shop_id -> Nullable<BigInt>,
        campaign_id -> Nullable<BigInt>,
        name -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        audience -> Text,
        daily_free_chances -> BigInt,
        scan_chances -> Bool,
        order_min_amount -> Nullable<BigInt>,
        points_per_chance -> Nullable<BigInt>,
        consolation -> Text,
        seed -> Text,
        commitment -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    draw_prizes (id) {
        id -> BigInt,
        draw_id -> BigInt,
        position -> BigInt,
        name -> Text,
        kind -> Text,
        points -> Nullable<BigInt>,
        coupon_template_id -> Nullable<BigInt>,
        value -> BigInt,
        weight -> BigInt,
        stock -> Nullable<BigInt>,
        remaining -> Nullable<BigInt>,
        won -> BigInt,
        pickup -> Bool,
    }
}

diesel::table! {
    draw_chances (id) {
        id -> BigInt,
        draw_id -> BigInt,
        user_id -> BigInt,
        source -> Text,
        source_key -> Text,
        granted_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    draw_plays (id) {
        id -> BigInt,
        draw_id -> BigInt,
        user_id -> BigInt,
        idempotency_key -> Text,
        chance_id -> BigInt,
        drawn_prize_id -> Nullable<BigInt>,
        prize_id -> Nullable<BigInt>,
        outcome -> Text,
        fulfilment -> Text,
        coupon_id -> Nullable<BigInt>,
        ship_to -> Nullable<Text>,
        tracking_number -> Nullable<Text>,
        created_at -> Timestamp,
        order_id -> Nullable<BigInt>,
        pickup_code -> Nullable<Text>,
    }
}

diesel::joinable!(campaign_placements -> campaigns (campaign_id));
diesel::joinable!(campaign_placements -> short_links (link_id));
diesel::joinable!(link_visits -> short_links (link_id));
diesel::joinable!(draw_prizes -> draws (draw_id));

diesel::allow_tables_to_appear_in_same_query!(
    campaigns,
    short_links,
    campaign_placements,
    link_visits,
    campaign_events,
    order_attributions,
    draws,
    draw_prizes,
    draw_chances,
    draw_plays,
);
