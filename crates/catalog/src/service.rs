//! [`Catalog`]: the operations the gateway calls, each on the blocking pool in one transaction.

use crate::CatalogError;
use crate::browse::{self, ListQuery, ProductCard};
use crate::cache::{CHANNEL, CachedPage, Change, PageCache};
use crate::categories::{self, CategoryInput, CategoryNode};
use crate::import::{self, ImportReport};
use crate::inventory::{self, LedgerEntry, LowStockItem, StockChange};
use crate::products::{self, SellerProduct, SkuView};
use crate::shops::{self, ShopPage, ShopPatch};
use crate::{ProductInput, ProductPatch};
use bazaar_core::ids::{CategoryId, ProductId, ShopId, SkuId};
use bazaar_core::{Cursor, MoneyLimits};
use bazaar_db::{Database, DbConn, write_transaction};
use bazaar_identity::Principal;
use bazaar_kv::Kv;
use std::sync::Arc;

#[derive(Clone)]
pub struct Catalog {
    pub(crate) db: Database,
    pub(crate) kv: Kv,
    pages: Arc<PageCache>,
    lists: Arc<PageCache<String>>,
    limits: MoneyLimits,
}

impl Catalog {
    /// `page_cache_bytes`: memory for product pages (list pages get a quarter more).
    pub fn new(db: Database, kv: Kv, page_cache_bytes: usize) -> Catalog {
        Catalog {
            db,
            kv,
            pages: Arc::new(PageCache::new(page_cache_bytes)),
            lists: Arc::new(PageCache::new(page_cache_bytes / 4)),
            limits: MoneyLimits::default(),
        }
    }

    /// With these ceilings on prices and shipping fees instead of the defaults.
    pub fn with_limits(mut self, limits: MoneyLimits) -> Catalog {
        self.limits = limits;
        self
    }

    /// Invalidates pages here at once, and on other gateways through kv. A failed publish is
    /// logged: the write has committed, and other gateways then serve the old page until it is
    /// evicted or the next change to it arrives.
    async fn changed(&self, change: Change) {
        self.pages.apply(change);
        self.lists.clear();
        if let Err(err) = self.kv.publish(CHANNEL, &change.encode()).await {
            tracing::warn!(error = %err, ?change, "could not announce a catalog change to other gateways");
        }
    }

    /// Announces products whose stock or totals another crate changed (checkout's reservations).
    pub async fn products_changed(&self, product_ids: &[ProductId]) {
        for id in product_ids {
            self.changed(Change::Product(*id)).await;
        }
    }

    /// Subscribes to other gateways' catalog changes; the returned future applies them until the
    /// kv store goes away. Subscribe before serving so no change is missed.
    pub async fn follow_changes(&self) -> Result<impl std::future::Future<Output = ()> + use<>, bazaar_kv::KvError> {
        let mut subscription = self.kv.subscribe(CHANNEL).await?;
        let (pages, lists) = (self.pages.clone(), self.lists.clone());
        Ok(async move {
            loop {
                match subscription.recv().await {
                    Ok(message) => match Change::decode(&message) {
                        Some(change) => {
                            pages.apply(change);
                            lists.clear();
                        }
                        None => tracing::warn!(message, "unreadable catalog change"),
                    },
                    // Missed messages: any page may be stale.
                    Err(bazaar_kv::KvError::Lagged(_)) => {
                        pages.clear();
                        lists.clear();
                    }
                    Err(_) => break,
                }
            }
        })
    }

    /// The product page as JSON with its version, from memory when possible.
    pub async fn page(&self, id: ProductId) -> Result<Arc<CachedPage>, CatalogError> {
        if let Some(page) = self.pages.get(&id) {
            return Ok(page);
        }
        let epoch = self.pages.epoch();
        let detail = self.db.run_short_read(move |conn| browse::detail(conn, id)).await?;
        let json =
            serde_json::to_vec(&detail).map_err(|err| CatalogError::Db(bazaar_db::DbError::Stored(err.to_string())))?;
        let page = Arc::new(CachedPage { version: detail.version, json: json.into(), detail: Some(Arc::new(detail)) });
        self.pages.fill(id, page.clone(), epoch);
        Ok(page)
    }

    async fn write<T, F>(&self, work: F) -> Result<T, CatalogError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, CatalogError> + Send + 'static,
    {
        self.db.run(move |conn| write_transaction(conn, work)).await
    }

    async fn read<T, F>(&self, work: F) -> Result<T, CatalogError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, CatalogError> + Send + 'static,
    {
        self.db.run(work).await
    }

    pub async fn categories(&self) -> Result<Vec<CategoryNode>, CatalogError> {
        self.read(categories::tree).await
    }

    pub async fn create_category(
        &self,
        principal: &Principal,
        input: CategoryInput,
    ) -> Result<CategoryNode, CatalogError> {
        principal.require_admin()?;
        self.write(move |conn| categories::create(conn, input)).await
    }

    pub async fn delete_category(&self, principal: &Principal, id: CategoryId) -> Result<(), CatalogError> {
        principal.require_admin()?;
        self.write(move |conn| categories::delete(conn, id)).await
    }

    pub async fn create_product(
        &self,
        principal: &Principal,
        input: ProductInput,
    ) -> Result<SellerProduct, CatalogError> {
        let actor = principal.clone();
        let limits = self.limits;
        self.write(move |conn| products::create(conn, &actor, input, &limits)).await
    }

    /// Imports products given as JSON objects (each a product body; `shop_id` may be left out).
    pub async fn import_json(
        &self,
        principal: &Principal,
        shop_id: ShopId,
        items: Vec<serde_json::Value>,
    ) -> Result<ImportReport, CatalogError> {
        let actor = principal.clone();
        let limits = self.limits;
        self.read(move |conn| import::run(conn, &actor, shop_id, import::from_json(shop_id, items), &limits)).await
    }

    /// Imports products from CSV (see the `import` module for the columns).
    pub async fn import_csv(
        &self,
        principal: &Principal,
        shop_id: ShopId,
        text: String,
    ) -> Result<ImportReport, CatalogError> {
        let actor = principal.clone();
        let limits = self.limits;
        self.read(move |conn| {
            let candidates = import::from_csv(shop_id, &text)?;
            import::run(conn, &actor, shop_id, candidates, &limits)
        })
        .await
    }

    /// The shop's products, drafts included (owner and staff), newest first.
    pub async fn seller_listings(
        &self,
        principal: &Principal,
        shop_id: ShopId,
        status: Option<crate::ProductStatus>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<crate::SellerListing>, CatalogError> {
        let actor = principal.clone();
        self.read(move |conn| crate::seller_list::listings(conn, &actor, shop_id, status, before, limit)).await
    }

    pub async fn seller_product(&self, principal: &Principal, id: ProductId) -> Result<SellerProduct, CatalogError> {
        let actor = principal.clone();
        self.read(move |conn| {
            let product = products::load_for_seller(conn, &actor, id)?;
            products::seller_view(conn, product)
        })
        .await
    }

    pub async fn update_product(
        &self,
        principal: &Principal,
        id: ProductId,
        patch: ProductPatch,
    ) -> Result<SellerProduct, CatalogError> {
        let actor = principal.clone();
        let limits = self.limits;
        let product = self.write(move |conn| products::update(conn, &actor, id, patch, &limits)).await?;
        self.changed(Change::Product(id)).await;
        Ok(product)
    }

    pub async fn publish(&self, principal: &Principal, id: ProductId) -> Result<SellerProduct, CatalogError> {
        let actor = principal.clone();
        let product = self.write(move |conn| products::publish(conn, &actor, id)).await?;
        self.changed(Change::Product(id)).await;
        Ok(product)
    }

    pub async fn unpublish(&self, principal: &Principal, id: ProductId) -> Result<SellerProduct, CatalogError> {
        let actor = principal.clone();
        let product = self.write(move |conn| products::unpublish(conn, &actor, id)).await?;
        self.changed(Change::Product(id)).await;
        Ok(product)
    }

    pub async fn delete_draft(&self, principal: &Principal, id: ProductId) -> Result<(), CatalogError> {
        let actor = principal.clone();
        self.write(move |conn| products::delete_draft(conn, &actor, id)).await?;
        self.changed(Change::Product(id)).await;
        Ok(())
    }

    pub async fn ban(&self, principal: &Principal, id: ProductId) -> Result<SellerProduct, CatalogError> {
        principal.require_admin()?;
        let product = self.write(move |conn| products::ban(conn, id)).await?;
        self.changed(Change::Product(id)).await;
        Ok(product)
    }

    pub async fn change_stock(
        &self,
        principal: &Principal,
        sku_id: SkuId,
        change: StockChange,
    ) -> Result<SkuView, CatalogError> {
        let actor = principal.clone();
        let (product_id, sku) = self.write(move |conn| inventory::change_stock(conn, &actor, sku_id, change)).await?;
        self.changed(Change::Product(product_id)).await;
        Ok(sku)
    }

    pub async fn ledger(&self, principal: &Principal, sku_id: SkuId) -> Result<Vec<LedgerEntry>, CatalogError> {
        let actor = principal.clone();
        self.read(move |conn| inventory::ledger(conn, &actor, sku_id)).await
    }

    pub async fn low_stock(
        &self,
        principal: &Principal,
        shop_id: ShopId,
        threshold: i64,
    ) -> Result<Vec<LowStockItem>, CatalogError> {
        let actor = principal.clone();
        self.read(move |conn| inventory::low_stock(conn, &actor, shop_id, threshold)).await
    }

    /// A page of products as JSON (`{"items": [...], "next_cursor": ...}`), from memory when the
    /// same page was asked for since the last catalog change.
    pub async fn list_page(&self, query: ListQuery, page_size: usize) -> Result<Arc<CachedPage>, CatalogError> {
        let key = format!("{:?}|{:?}|{:?}|{:?}|{page_size}", query.category, query.shop, query.sort, query.after);
        if let Some(page) = self.lists.get(&key) {
            return Ok(page);
        }
        let epoch = self.lists.epoch();
        let sort = query.sort;
        let mut cards = self.read(move |conn| browse::list(conn, &query)).await?;
        let more = cards.len() > page_size;
        cards.truncate(page_size);
        let next_cursor = if more {
            cards.last().map(|card| Cursor::encode(&card.sort_key(sort)).as_str().to_string())
        } else {
            None
        };
        let json = serde_json::to_vec(&serde_json::json!({ "items": cards, "next_cursor": next_cursor }))
            .map_err(|err| CatalogError::Db(bazaar_db::DbError::Stored(err.to_string())))?;
        let page = Arc::new(CachedPage { version: 0, json: json.into(), detail: None });
        self.lists.fill(key, page.clone(), epoch);
        Ok(page)
    }

    pub async fn record_view(&self, principal: &Principal, product_id: ProductId) -> Result<(), CatalogError> {
        let user = principal.user_id;
        self.write(move |conn| browse::record_view(conn, user, product_id)).await
    }

    pub async fn recently_viewed(&self, principal: &Principal) -> Result<Vec<ProductCard>, CatalogError> {
        let user = principal.user_id;
        self.read(move |conn| browse::recently_viewed(conn, user, 50)).await
    }

    pub async fn shop(&self, id: ShopId) -> Result<ShopPage, CatalogError> {
        self.read(move |conn| shops::page(conn, id)).await
    }

    pub async fn update_shop(
        &self,
        principal: &Principal,
        id: ShopId,
        patch: ShopPatch,
    ) -> Result<ShopPage, CatalogError> {
        let actor = principal.clone();
        let limits = self.limits;
        let page = self.write(move |conn| shops::update(conn, &actor, id, patch, &limits)).await?;
        self.changed(Change::Shop(id)).await;
        Ok(page)
    }

    pub async fn follow(&self, principal: &Principal, shop_id: ShopId, on: bool) -> Result<i64, CatalogError> {
        let user = principal.user_id;
        self.write(move |conn| shops::follow(conn, user, shop_id, on)).await
    }

    pub async fn set_shop_suspended(
        &self,
        principal: &Principal,
        shop_id: ShopId,
        suspended: bool,
    ) -> Result<ShopPage, CatalogError> {
        principal.require_admin()?;
        let page = self.write(move |conn| shops::set_status(conn, shop_id, suspended)).await?;
        self.changed(Change::Shop(shop_id)).await;
        Ok(page)
    }
}
