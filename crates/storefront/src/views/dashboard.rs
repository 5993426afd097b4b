//! The console's dashboard, one section per shop: today's and this week's paid orders, GMV and
//! visitors, a seven-day chart (SVG drawn here: GMV as bars, visitors as a line), SKUs running
//! low, and how many orders wait to ship and refunds wait for a decision.

use super::yuan;
use bazaar_catalog::{DayVisitors, LowStockItem};
use bazaar_checkout::DaySales;
use bazaar_core::Money;

/// The chart's drawing area, in SVG units (it scales to the screen's width).
const WIDTH: i64 = 340;
const HEIGHT: i64 = 140;
const BASELINE: i64 = 120;

pub struct Bar {
    pub x: i64,
    pub y: i64,
    pub width: i64,
    pub height: i64,
    /// `MM-DD`, under the bar.
    pub label: String,
    pub label_x: i64,
    /// For screen readers and hover: the day's figures.
    pub title: String,
}

pub struct WeekChart {
    pub width: i64,
    pub height: i64,
    pub baseline: i64,
    pub bars: Vec<Bar>,
    /// The visitors line, as SVG `points`.
    pub visitors: String,
    pub max_gmv: String,
    pub max_visitors: i64,
}

impl WeekChart {
    /// `sales` and `visitors` cover the same days, oldest first.
    pub fn new(sales: &[DaySales], visitors: &[DayVisitors]) -> WeekChart {
        let days = sales.len().max(1) as i64;
        let slot = WIDTH / days;
        let most_gmv = sales.iter().map(|day| day.gmv.to_minor()).max().unwrap_or(0);
        let most_visitors = visitors.iter().map(|day| day.visitors).max().unwrap_or(0);
        // The scale's top; at least 1 so an empty week draws flat rather than dividing by zero.
        let (top_gmv, top_visitors) = (most_gmv.max(1), most_visitors.max(1));
        let span = BASELINE - 10;
        let bars = sales
            .iter()
            .enumerate()
            .map(|(index, day)| {
                let height = day.gmv.to_minor().saturating_mul(span) / top_gmv;
                let x = index as i64 * slot + slot / 6;
                let people = visitors.iter().find(|v| v.day == day.day).map_or(0, |v| v.visitors);
                Bar {
                    x,
                    y: BASELINE - height,
                    width: slot * 2 / 3,
                    height,
                    label: day.day.format("%m-%d").to_string(),
                    label_x: index as i64 * slot + slot / 2,
                    title: format!("{} · {} · {} · {people}", day.day, day.paid_orders, yuan(day.gmv)),
                }
            })
            .collect();
        let visitors = visitors
            .iter()
            .enumerate()
            .map(|(index, day)| {
                let y = BASELINE - day.visitors.saturating_mul(span) / top_visitors;
                format!("{},{y}", index as i64 * slot + slot / 2)
            })
            .collect::<Vec<_>>()
            .join(" ");
        WeekChart {
            width: WIDTH,
            height: HEIGHT,
            baseline: BASELINE,
            bars,
            visitors,
            max_gmv: yuan(Money::from_minor(most_gmv)),
            max_visitors: most_visitors,
        }
    }
}

/// (orders, GMV, visitors) over some days.
pub struct Totals {
    pub orders: i64,
    pub gmv: String,
    pub visitors: i64,
}

fn totals(sales: &[DaySales], visitors: &[DayVisitors]) -> Totals {
    let gmv = sales.iter().map(|day| day.gmv.to_minor()).fold(0i64, i64::saturating_add);
    Totals {
        orders: sales.iter().map(|day| day.paid_orders).sum(),
        gmv: yuan(Money::from_minor(gmv)),
        visitors: visitors.iter().map(|day| day.visitors).sum(),
    }
}

pub struct ShopDashboard {
    pub today: Totals,
    pub week: Totals,
    pub chart: WeekChart,
    /// (title, spec key, stock left)
    pub low_stock: Vec<(String, String, i64)>,
    pub to_ship: usize,
    pub open_refunds: usize,
}

impl ShopDashboard {
    /// `sales` and `visitors`: the last seven days, today last.
    pub fn new(
        sales: &[DaySales],
        visitors: &[DayVisitors],
        low_stock: &[LowStockItem],
        to_ship: usize,
        open_refunds: usize,
    ) -> ShopDashboard {
        let today_sales = sales.len().saturating_sub(1);
        let today_visitors = visitors.len().saturating_sub(1);
        ShopDashboard {
            today: totals(&sales[today_sales..], &visitors[today_visitors..]),
            week: totals(sales, visitors),
            chart: WeekChart::new(sales, visitors),
            low_stock: low_stock.iter().map(|item| (item.title.clone(), item.spec_key.clone(), item.stock)).collect(),
            to_ship,
            open_refunds,
        }
    }
}
