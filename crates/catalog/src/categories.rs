//! The category tree (admin-managed; a default bilingual tree is seeded by migration).

use crate::CatalogError;
use crate::text::bounded;
use bazaar_core::ids::CategoryId;
use bazaar_db::DbConn;
use bazaar_db::schema::{categories, products};
use chrono::Utc;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = categories)]
struct CategoryRow {
    id: CategoryId,
    parent_id: Option<CategoryId>,
    name_zh: String,
    name_en: String,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryNode {
    pub id: CategoryId,
    pub parent_id: Option<CategoryId>,
    pub name_zh: String,
    pub name_en: String,
    #[cfg_attr(feature = "openapi", schema(no_recursion))]
    pub children: Vec<CategoryNode>,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CategoryInput {
    pub parent_id: Option<CategoryId>,
    pub name_zh: String,
    pub name_en: String,
}

/// The whole tree, children in display order.
pub(crate) fn tree(conn: &mut DbConn) -> Result<Vec<CategoryNode>, CatalogError> {
    let rows: Vec<CategoryRow> = categories::table
        .order((categories::position.asc(), categories::id.asc()))
        .select(CategoryRow::as_select())
        .load(conn)?;
    fn children_of(rows: &[CategoryRow], parent: Option<CategoryId>) -> Vec<CategoryNode> {
        rows.iter()
            .filter(|row| row.parent_id == parent)
            .map(|row| CategoryNode {
                id: row.id,
                parent_id: row.parent_id,
                name_zh: row.name_zh.clone(),
                name_en: row.name_en.clone(),
                children: children_of(rows, Some(row.id)),
            })
            .collect()
    }
    Ok(children_of(&rows, None))
}

/// The path of `id` ("/1/5/"), or an error naming `field` if there is no such category.
pub(crate) fn path_of(conn: &mut DbConn, id: CategoryId, field: &str) -> Result<String, CatalogError> {
    categories::table
        .find(id)
        .select(categories::path)
        .get_result(conn)
        .optional()?
        .ok_or_else(|| CatalogError::invalid(field.to_string(), format!("there is no category {id}")))
}

/// Ids of `id` and every category below it.
pub(crate) fn with_descendants(conn: &mut DbConn, id: CategoryId) -> Result<Vec<CategoryId>, CatalogError> {
    let path = path_of(conn, id, "category")?;
    Ok(categories::table.filter(categories::path.like(format!("{path}%"))).select(categories::id).load(conn)?)
}

pub(crate) fn create(conn: &mut DbConn, input: CategoryInput) -> Result<CategoryNode, CatalogError> {
    let name_zh = bounded("name_zh", &input.name_zh, 1, 20, false)?;
    let name_en = bounded("name_en", &input.name_en, 1, 40, false)?;
    let parent_path = match input.parent_id {
        Some(parent) => path_of(conn, parent, "parent_id")?,
        None => "/".to_string(),
    };
    // IS NOT DISTINCT FROM is not portable across the two backends: branch on the parent instead.
    let siblings = match input.parent_id {
        Some(parent) => categories::table.filter(categories::parent_id.eq(parent)).count().get_result::<i64>(conn)?,
        None => categories::table.filter(categories::parent_id.is_null()).count().get_result::<i64>(conn)?,
    };
    let position = i32::try_from(siblings).unwrap_or(i32::MAX);
    let id: CategoryId = diesel::insert_into(categories::table)
        .values((
            categories::parent_id.eq(input.parent_id),
            categories::name_zh.eq(&name_zh),
            categories::name_en.eq(&name_en),
            categories::path.eq(""),
            categories::position.eq(position + 1),
            categories::created_at.eq(Utc::now().naive_utc()),
        ))
        .returning(categories::id)
        .get_result(conn)?;
    diesel::update(categories::table.find(id)).set(categories::path.eq(format!("{parent_path}{id}/"))).execute(conn)?;
    Ok(CategoryNode { id, parent_id: input.parent_id, name_zh, name_en, children: Vec::new() })
}

/// Removes an empty leaf category.
pub(crate) fn delete(conn: &mut DbConn, id: CategoryId) -> Result<(), CatalogError> {
    path_of(conn, id, "id").map_err(|_| CatalogError::not_found("category"))?;
    let has_children: bool =
        diesel::select(diesel::dsl::exists(categories::table.filter(categories::parent_id.eq(id)))).get_result(conn)?;
    let has_products: bool =
        diesel::select(diesel::dsl::exists(products::table.filter(products::category_id.eq(id)))).get_result(conn)?;
    if has_children || has_products {
        return Err(CatalogError::conflict(
            "category_in_use",
            "only a category without subcategories or products can be deleted",
        ));
    }
    diesel::delete(categories::table.find(id)).execute(conn)?;
    Ok(())
}
