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
}

pub static ZH: Messages = Messages {
    site_name: "商圈",
    switch_language: "English",
    home: "首页",
    search: "搜索",
    search_placeholder: "搜索商品、品牌或拼音",
    categories: "分类",
    hot_searches: "热门搜索",
    cart: "购物车",
    me: "我的",
    sign_in: "登录",
    sign_out: "退出登录",
    results: "件商品",
    no_results: "没有找到相关商品，换个词试试",
    filter_category: "分类",
    filter_brand: "品牌",
    filter_price: "价格",
    clear_filters: "清除筛选",
    next_page: "下一页",
    sold: "已售",
    in_stock: "库存",
    sold_out: "已售罄",
    choose_specs: "请选择规格",
    quantity: "数量",
    add_to_cart: "加入购物车",
    added_to_cart: "已加入购物车",
    chat_with_seller: "联系卖家",
    visit_shop: "进店逛逛",
    followers: "粉丝",
    follow: "关注店铺",
    unfollow: "取消关注",
    description: "商品详情",
    cart_empty: "购物车还是空的",
    subtotal: "小计",
    total: "合计",
    remove: "删除",
    update: "更新",
    price_changed: "价格有变动",
    stock_short: "库存不足",
    unavailable: "已失效",
    checkout: "去结算",
    phone: "手机号",
    sms_code: "短信验证码",
    send_code: "获取验证码",
    code_sent: "验证码已发送",
    sign_in_with_code: "验证码登录",
    password: "密码",
    sign_in_with_password: "密码登录",
    not_found_title: "页面不存在",
    not_found_text: "这个商品或页面不存在，或已下架。",
    unavailable_title: "服务繁忙",
    refused_title: "无法完成",
    unavailable_text: "系统暂时无法处理，请稍后再试。",
    form_expired: "页面已过期，请重新提交。",
    back_home: "返回首页",
    signed_in_as: "当前账号",
    orders: "我的订单",
    order: "订单",
    no_orders: "还没有订单",
    ship_to: "收货地址",
    new_address: "新增收货地址",
    recipient: "收货人",
    province: "省份",
    city: "城市",
    district: "区县",
    address_detail: "详细地址",
    save_address: "保存地址",
    no_address: "请先添加收货地址",
    shipping_fee: "运费",
    discount: "优惠",
    pay_with: "支付方式",
    alipay: "支付宝",
    wechatpay: "微信支付",
    unionpay: "云闪付",
    place_order: "提交订单",
    pay_now: "立即支付",
    cancel_order: "取消订单",
    confirm_receipt: "确认收货",
    request_refund: "申请退款",
    refund_reason: "退款原因",
    order_events: "订单记录",
    status_pending_payment: "待付款",
    status_paid: "待发货",
    status_shipped: "待收货",
    status_received: "已收货",
    status_completed: "已完成",
    status_cancelled: "已取消",
    status_refunded: "已退款",
    tab_all: "全部",
    pay_for_another: "帮我付款",
    asks_you_to_pay: "请你帮忙付款",
    pay_for_friend: "帮 TA 付款",
    in_store_payment: "到店付款",
    amount: "金额",
    note: "备注",
    expires_at: "有效期至",
    paid_already: "已付款",
};

pub static EN: Messages = Messages {
    site_name: "Bazaar",
    switch_language: "中文",
    home: "Home",
    search: "Search",
    search_placeholder: "Search products, brands or pinyin",
    categories: "Categories",
    hot_searches: "Trending searches",
    cart: "Cart",
    me: "Me",
    sign_in: "Sign in",
    sign_out: "Sign out",
    results: "products",
    no_results: "Nothing found; try other words",
    filter_category: "Category",
    filter_brand: "Brand",
    filter_price: "Price",
    clear_filters: "Clear filters",
    next_page: "Next page",
    sold: "Sold",
    in_stock: "In stock",
    sold_out: "Sold out",
    choose_specs: "Choose the options",
    quantity: "Quantity",
    add_to_cart: "Add to cart",
    added_to_cart: "Added to your cart",
    chat_with_seller: "Chat with the seller",
    visit_shop: "Visit the shop",
    followers: "Followers",
    follow: "Follow",
    unfollow: "Unfollow",
    description: "Details",
    cart_empty: "Your cart is empty",
    subtotal: "Subtotal",
    total: "Total",
    remove: "Remove",
    update: "Update",
    price_changed: "The price has changed",
    stock_short: "Not enough in stock",
    unavailable: "No longer available",
    checkout: "Check out",
    phone: "Mobile number",
    sms_code: "SMS code",
    send_code: "Send code",
    code_sent: "The code is on its way",
    sign_in_with_code: "Sign in with the code",
    password: "Password",
    sign_in_with_password: "Sign in with a password",
    not_found_title: "Not found",
    not_found_text: "This product or page does not exist or is no longer on sale.",
    unavailable_title: "Busy",
    refused_title: "That did not go through",
    unavailable_text: "We cannot handle this just now; please try again in a moment.",
    form_expired: "This form has expired; please send it again.",
    back_home: "Back to the home page",
    signed_in_as: "Signed in as",
    orders: "My orders",
    order: "Order",
    no_orders: "No orders yet",
    ship_to: "Ship to",
    new_address: "New address",
    recipient: "Recipient",
    province: "Province",
    city: "City",
    district: "District",
    address_detail: "Street address",
    save_address: "Save address",
    no_address: "Add an address to ship to first",
    shipping_fee: "Shipping",
    discount: "Discount",
    pay_with: "Pay with",
    alipay: "Alipay",
    wechatpay: "WeChat Pay",
    unionpay: "UnionPay",
    place_order: "Place order",
    pay_now: "Pay now",
    cancel_order: "Cancel order",
    confirm_receipt: "Confirm receipt",
    request_refund: "Ask for a refund",
    refund_reason: "Reason for the refund",
    order_events: "History",
    status_pending_payment: "Awaiting payment",
    status_paid: "Paid, to be shipped",
    status_shipped: "Shipped",
    status_received: "Received",
    status_completed: "Completed",
    status_cancelled: "Cancelled",
    status_refunded: "Refunded",
    tab_all: "All",
    pay_for_another: "Pay for a friend",
    asks_you_to_pay: "asks you to pay for this",
    pay_for_friend: "Pay for them",
    in_store_payment: "Pay in store",
    amount: "Amount",
    note: "Note",
    expires_at: "Valid until",
    paid_already: "Already paid",
};

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
