//! The mobile web storefront (H5): pages a phone browser opens from a QR code, an SMS link or a
//! shared URL. Each page is a view model built from what the domain crates return, rendered by a
//! template askama checks at compile time (every `{{ }}` is HTML-escaped unless marked safe, and
//! nothing user-written ever is). The stylesheet and script are embedded with content-hashed names
//! so they can be cached for a year. The gateway fetches the data, builds the view and answers;
//! this crate knows no HTTP framework.

pub mod assets;
pub mod i18n;
pub mod views;

pub use i18n::{Lang, Messages};
pub use views::Chrome;

/// A page that could not be rendered: a template bug, never the user's input.
#[derive(Debug)]
pub struct RenderError(pub String);

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "rendering a page failed: {}", self.0)
    }
}

impl std::error::Error for RenderError {}

impl From<askama::Error> for RenderError {
    fn from(err: askama::Error) -> RenderError {
        RenderError(err.to_string())
    }
}

/// Renders any page of this crate.
pub fn render(page: &impl askama::Template) -> Result<String, RenderError> {
    Ok(page.render()?)
}
