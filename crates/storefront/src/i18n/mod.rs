//! The message catalogues: every text a page shows, once per language. A field missing from one
//! language is a compile error, so no page can show a key or an empty label. Chinese by default;
//! English when the browser prefers it or the shopper switched (`?lang=en`, kept in a cookie).

/// A language the storefront speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    /// From the `lang` cookie or query value, when it names a language we speak.
    pub fn from_code(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "zh" | "zh-cn" | "zh-hans" => Some(Lang::Zh),
            "en" | "en-us" | "en-gb" => Some(Lang::En),
            _ => None,
        }
    }

    /// The best of ours for an `Accept-Language` header: the first language (by weight, then by
    /// order) that is Chinese or English; Chinese when neither is asked for.
    pub fn from_accept_language(header: &str) -> Lang {
        let mut wanted: Vec<(f32, usize, &str)> = header
            .split(',')
            .enumerate()
            .filter_map(|(order, part)| {
                let mut pieces = part.split(';');
                let tag = pieces.next()?.trim();
                let weight = pieces
                    .find_map(|piece| piece.trim().strip_prefix("q="))
                    .and_then(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                Some((weight, order, tag))
            })
            .collect();
        wanted.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        wanted
            .into_iter()
            .find_map(|(weight, _, tag)| {
                let primary = tag.split('-').next().unwrap_or_default().to_ascii_lowercase();
                match primary.as_str() {
                    _ if weight <= 0.0 => None,
                    "zh" => Some(Lang::Zh),
                    "en" => Some(Lang::En),
                    _ => None,
                }
            })
            .unwrap_or(Lang::Zh)
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The other language, for the switch.
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    pub fn messages(self) -> &'static Messages {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }
}

/// Every text of every page.
pub struct Messages {
    pub site_name: &'static str,
    pub switch_language: &'static str,
    pub home: &'static str,
    pub search: &'static str,
    pub search_placeholder: &'static str,
    pub categories: &'static str,
    pub hot_searches: &'static str,
    pub cart: &'static str,
    pub me: &'static str,
    pub sign_in: &'static str,
    pub sign_out: &'static str,
    pub results: &'static str,
    pub no_results: &'static str,
    pub filter_category: &'static str,
    pub filter_brand: &'static str,
    pub filter_price: &'static str,
    pub clear_filters: &'static str,
    pub next_page: &'static str,
    pub sold: &'static str,
    pub in_stock: &'static str,
    pub sold_out: &'static str,
    pub choose_specs: &'static str,
    pub quantity: &'static str,
    pub add_to_cart: &'static str,
    pub added_to_cart: &'static str,
    pub chat_with_seller: &'static str,
    pub visit_shop: &'static str,
    pub followers: &'static str,
    pub follow: &'static str,
    pub unfollow: &'static str,
    pub description: &'static str,
    pub cart_empty: &'static str,
    pub subtotal: &'static str,
    pub total: &'static str,
    pub remove: &'static str,
    pub update: &'static str,
    pub price_changed: &'static str,
    pub stock_short: &'static str,
    pub unavailable: &'static str,
    pub checkout: &'static str,
    pub phone: &'static str,
    pub sms_code: &'static str,
    pub send_code: &'static str,
    pub code_sent: &'static str,
    pub sign_in_with_code: &'static str,
    pub password: &'static str,
    pub sign_in_with_password: &'static str,
    pub not_found_title: &'static str,
    pub not_found_text: &'static str,
    pub unavailable_title: &'static str,
    pub refused_title: &'static str,
    pub unavailable_text: &'static str,
    pub form_expired: &'static str,
    pub back_home: &'static str,
    pub signed_in_as: &'static str,
    pub orders: &'static str,
    pub order: &'static str,
    pub no_orders: &'static str,
    pub ship_to: &'static str,
    pub new_address: &'static str,
    pub recipient: &'static str,
    pub province: &'static str,
    pub city: &'static str,
    pub district: &'static str,
    pub address_detail: &'static str,
    pub save_address: &'static str,
    pub no_address: &'static str,
    pub shipping_fee: &'static str,
    pub discount: &'static str,
    pub pay_with: &'static str,
    pub alipay: &'static str,
    pub wechatpay: &'static str,
    pub unionpay: &'static str,
    pub place_order: &'static str,
    pub pay_now: &'static str,
    pub cancel_order: &'static str,
    pub confirm_receipt: &'static str,
    pub request_refund: &'static str,
    pub refund_reason: &'static str,
    pub order_events: &'static str,
    pub status_pending_payment: &'static str,
    pub status_paid: &'static str,
    pub status_shipped: &'static str,
    pub status_received: &'static str,
    pub status_completed: &'static str,
    pub status_cancelled: &'static str,
    pub status_refunded: &'static str,
    pub tab_all: &'static str,
    pub pay_for_another: &'static str,
    pub asks_you_to_pay: &'static str,
    pub pay_for_friend: &'static str,
    pub in_store_payment: &'static str,
    pub amount: &'static str,
    pub note: &'static str,
    pub expires_at: &'static str,
    pub paid_already: &'static str,
    pub seller_console: &'static str,
    pub my_products: &'static str,
    pub new_product: &'static str,
    pub product_title: &'static str,
    pub category: &'static str,
    pub brand: &'static str,
    pub spec_name: &'static str,
    pub spec_values: &'static str,
    pub price: &'static str,
    pub stock: &'static str,
    pub save_draft: &'static str,
    pub publish: &'static str,
    pub unpublish: &'static str,
    pub status_draft: &'static str,
    pub status_active: &'static str,
    pub status_delisted: &'static str,
    pub status_banned: &'static str,
    pub no_shop: &'static str,
    pub no_products: &'static str,
    pub chat: &'static str,
    pub no_conversations: &'static str,
    pub as_shop: &'static str,
    pub earlier_messages: &'static str,
    pub message_placeholder: &'static str,
    pub send: &'static str,
    pub chat_blocked: &'static str,
    pub image: &'static str,
    pub paid_orders: &'static str,
    pub visitors: &'static str,
    pub today: &'static str,
    pub last_seven_days: &'static str,
    pub chart_caption: &'static str,
    pub top: &'static str,
    pub to_ship: &'static str,
    pub refund_requests: &'static str,
    pub low_stock: &'static str,
    pub refund_requested: &'static str,
    pub refund_approved: &'static str,
    pub refund_rejected: &'static str,
    pub carrier: &'static str,
    pub tracking_number: &'static str,
    pub ship: &'static str,
    pub approve: &'static str,
    pub reject: &'static str,
    pub decision_reason: &'static str,
    pub placed_at: &'static str,
    pub no_shop_orders: &'static str,
    pub no_refund_requests: &'static str,
    pub admin_console: &'static str,
    pub shop_applications: &'static str,
    pub none_here: &'static str,
    pub licence: &'static str,
    pub approve_shop: &'static str,
    pub open_reports: &'static str,
    pub conversation: &'static str,
    pub close_report: &'static str,
    pub my_addresses: &'static str,
    pub default_address: &'static str,
    pub make_default: &'static str,
    pub delete: &'static str,
    pub nickname: &'static str,
    pub save: &'static str,
    pub payment_result: &'static str,
    pub payment_done: &'static str,
    pub payment_confirming: &'static str,
    pub look_again: &'static str,
    pub payment_not_taken: &'static str,
    pub coupons: &'static str,
    pub claim: &'static str,
    pub coupon_over: &'static str,
    pub coupon_off: &'static str,
    pub coupon_percent: &'static str,
    pub coupon_cap: &'static str,
    pub claimed: &'static str,
    pub deals: &'static str,
    pub use_points: &'static str,
    pub points_balance: &'static str,
    pub apply: &'static str,
    pub flash_sales: &'static str,
    pub flash_live: &'static str,
    pub flash_upcoming: &'static str,
    pub flash_sold_out: &'static str,
    pub flash_ended: &'static str,
    pub flash_ends_in: &'static str,
    pub flash_starts_in: &'static str,
    pub flash_left: &'static str,
    pub flash_limit: &'static str,
    pub buy_now: &'static str,
    pub view_product: &'static str,
    pub shop_settings: &'static str,
    pub saved: &'static str,
    pub free_shipping_from: &'static str,
    pub service_hours: &'static str,
    pub greeting: &'static str,
    pub away_message: &'static str,
    pub service_hours_hint: &'static str,
    pub staff: &'static str,
    pub owner: &'static str,
    pub add_staff: &'static str,
    pub add: &'static str,
    pub stock_change: &'static str,
    pub when: &'static str,
    pub stock_change_hint: &'static str,
    pub subtitle: &'static str,
    pub original_price: &'static str,
    pub edit_product: &'static str,
    pub bulk_import: &'static str,
    pub import_created: &'static str,
    pub import_rejected: &'static str,
    pub row: &'static str,
    pub import_csv: &'static str,
    pub import_hint: &'static str,
    pub edit: &'static str,
    pub recently_viewed: &'static str,
    pub new_combinations_hint: &'static str,
    pub new_combinations_price: &'static str,
    pub new_combinations_stock: &'static str,
    pub link_not_yet: &'static str,
    pub link_ended: &'static str,
    pub campaign_ended: &'static str,
    pub campaign_offers_now: &'static str,
    pub campaign_go: &'static str,
    pub claim_coupon: &'static str,
    pub coupon_claimed: &'static str,
    pub lucky_draw: &'static str,
    pub play_draw: &'static str,
    pub chances_left: &'static str,
    pub odds: &'static str,
    pub prizes_left: &'static str,
    pub unlimited: &'static str,
    pub you_won: &'static str,
    pub prize_sold_out: &'static str,
    pub seed_commitment: &'static str,
    pub draw_seed: &'static str,
    pub draw_upcoming: &'static str,
    pub draw_over: &'static str,
    pub my_prizes: &'static str,
    pub no_prizes: &'static str,
    pub prize_nothing: &'static str,
    pub prize_given: &'static str,
    pub prize_to_claim: &'static str,
    pub prize_sent: &'static str,
    pub prize_to_pick_up: &'static str,
    pub prize_picked_up: &'static str,
    pub pickup_code: &'static str,
    pub add_address_first: &'static str,
    pub claim_prize: &'static str,
    pub prize_order: &'static str,
    pub see_my_prizes: &'static str,
    pub choose_address: &'static str,
    pub campaigns: &'static str,
    pub no_campaigns: &'static str,
    pub campaign_live: &'static str,
    pub funnel_visits: &'static str,
    pub funnel_landing_views: &'static str,
    pub funnel_coupons: &'static str,
    pub funnel_draws: &'static str,
    pub funnel_orders: &'static str,
    pub funnel_paid: &'static str,
    pub funnel_caption: &'static str,
    pub day: &'static str,
    pub placement: &'static str,
}

mod en;
mod zh;

pub use en::EN;
pub use zh::ZH;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_first_language_we_speak_by_weight() {
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9,zh-CN;q=0.8"), Lang::En);
        assert_eq!(Lang::from_accept_language("zh-CN,zh;q=0.9,en;q=0.8"), Lang::Zh);
        assert_eq!(Lang::from_accept_language("fr-FR,en;q=0.5"), Lang::En);
        assert_eq!(Lang::from_accept_language("fr-FR"), Lang::Zh, "Chinese by default");
        assert_eq!(Lang::from_accept_language("zh;q=0.2,en;q=0.7"), Lang::En, "weights, not order");
        assert_eq!(Lang::from_accept_language("en;q=0,zh;q=0.1"), Lang::Zh, "q=0 means not wanted");
        assert_eq!(Lang::from_accept_language(""), Lang::Zh);
    }
}
