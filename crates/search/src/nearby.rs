//! Shops near a point: a bounding box the database can use an index for, then exact great-circle
//! distances, nearest first. The base for location-based offers.

use crate::SearchError;
use bazaar_db::DbConn;
use serde::{Deserialize, Serialize};

const EARTH_RADIUS_M: f64 = 6_371_000.0;
const METRES_PER_DEGREE: f64 = 111_320.0;
const DEFAULT_RADIUS_M: f64 = 3_000.0;
const MAX_RADIUS_M: f64 = 50_000.0;

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct NearbyQuery {
    pub lat: f64,
    pub lon: f64,
    /// Metres; 3000 by default, at most 50000.
    pub radius_m: Option<f64>,
    /// Only shops of this main category (e.g. 食品).
    pub category: Option<String>,
    /// 1 to 100; 20 by default.
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NearbyShop {
    pub id: i64,
    pub name: String,
    pub logo_url: Option<String>,
    pub main_category: String,
    pub address: Option<String>,
    pub latitude: f64,
    pub longitude: f64,
    pub distance_m: f64,
}

fn haversine_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let (dp, dl) = ((lat2 - lat1).to_radians(), (lon2 - lon1).to_radians());
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().asin()
}

pub(crate) fn shops_nearby(conn: &mut DbConn, query: &NearbyQuery) -> Result<Vec<NearbyShop>, SearchError> {
    if !(-90.0..=90.0).contains(&query.lat) {
        return Err(SearchError::invalid("lat", "must be between -90 and 90"));
    }
    if !(-180.0..=180.0).contains(&query.lon) {
        return Err(SearchError::invalid("lon", "must be between -180 and 180"));
    }
    let radius = query.radius_m.unwrap_or(DEFAULT_RADIUS_M);
    if !(radius > 0.0 && radius <= MAX_RADIUS_M) {
        return Err(SearchError::invalid("radius_m", format!("must be above 0 and at most {MAX_RADIUS_M}")));
    }
    let limit =
        bazaar_core::PageLimit::new(query.limit).map_err(|err| SearchError::invalid("limit", err.to_string()))?;
    let dlat = radius / METRES_PER_DEGREE;
    let dlon = radius / (METRES_PER_DEGREE * query.lat.to_radians().cos().max(0.01));
    let category = query.category.as_deref().map(str::trim).filter(|c| !c.is_empty());
    let rows = bazaar_catalog::index_feed::shops_in_box(
        conn,
        (query.lat - dlat, query.lat + dlat),
        (query.lon - dlon, query.lon + dlon),
        category,
        5_000,
    )?;
    let mut found: Vec<NearbyShop> = rows
        .into_iter()
        .filter_map(|(id, name, logo_url, main_category, address, lat, lon)| {
            let (latitude, longitude) = (lat?, lon?);
            let distance_m = haversine_m(query.lat, query.lon, latitude, longitude);
            (distance_m <= radius).then_some(NearbyShop {
                id,
                name,
                logo_url,
                main_category,
                address,
                latitude,
                longitude,
                distance_m: distance_m.round(),
            })
        })
        .collect();
    found.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m).then(a.id.cmp(&b.id)));
    found.truncate(limit.get() as usize);
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::haversine_m;

    #[test]
    fn distances_are_great_circle_metres() {
        // People's Square to the Bund, Shanghai: about 1.6 km.
        let d = haversine_m(31.2304, 121.4737, 31.2400, 121.4900);
        assert!((1_700.0..2_000.0).contains(&d), "{d}");
        assert_eq!(haversine_m(30.0, 120.0, 30.0, 120.0), 0.0);
    }
}
