//! QR codes of placements, for print: error correction level Q (about a quarter of the code may
//! be smudged or covered and it still reads), a four-module quiet zone, black on white. SVG scales
//! to any poster; the PNG is drawn from the same modules. A caption (the placement's name, so
//! the shop knows which print is which) is text in the SVG and drawn into the PNG with GNU Unifont,
//! a bitmap font embedded in the binary that covers Chinese (16×16 for wide characters).

use crate::CampaignError;
use qrcode::{EcLevel, QrCode};

fn code(text: &str) -> Result<QrCode, CampaignError> {
    QrCode::with_error_correction_level(text.as_bytes(), EcLevel::Q)
        .map_err(|_| CampaignError::invalid("code", "is too long for a QR code"))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The code as SVG, with an optional caption under it.
pub fn svg(text: &str, caption: Option<&str>) -> Result<String, CampaignError> {
    let code = code(text)?;
    let width = code.width();
    let quiet = 4;
    let size = width + 2 * quiet;
    let caption_height = if caption.is_some() { 6 } else { 0 };
    let mut path = String::new();
    for (at, color) in code.to_colors().iter().enumerate() {
        if *color == qrcode::Color::Dark {
            path.push_str(&format!("M{} {}h1v1h-1z", at % width + quiet, at / width + quiet));
        }
    }
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {height}\" width=\"{px}\" height=\"{px_h}\" \
         shape-rendering=\"crispEdges\"><rect width=\"{size}\" height=\"{height}\" fill=\"#fff\"/>\
         <path fill=\"#000\" d=\"{path}\"/>",
        height = size + caption_height,
        px = size * 8,
        px_h = (size + caption_height) * 8,
    );
    if let Some(caption) = caption {
        svg.push_str(&format!(
            "<text x=\"{x}\" y=\"{y}\" font-size=\"3\" text-anchor=\"middle\" font-family=\"sans-serif\">{}</text>",
            escape(caption),
            x = size / 2,
            y = size + 3,
        ));
    }
    svg.push_str("</svg>");
    Ok(svg)
}

/// The code as a PNG, `scale` pixels a module (grayscale, 8 bits), with an optional caption
/// under it.
pub fn png(text: &str, scale: usize, caption: Option<&str>) -> Result<Vec<u8>, CampaignError> {
    let code = code(text)?;
    let width = code.width();
    let quiet = 4;
    let side = (width + 2 * quiet) * scale;
    let band = caption.map(|caption| Caption::fit(caption, side, scale));
    let height = side + band.as_ref().map_or(0, Caption::height);
    let mut pixels = vec![255_u8; side * height];
    for (at, color) in code.to_colors().iter().enumerate() {
        if *color == qrcode::Color::Dark {
            let (x, y) = ((at % width + quiet) * scale, (at / width + quiet) * scale);
            for row in y..y + scale {
                pixels[row * side + x..row * side + x + scale].fill(0);
            }
        }
    }
    if let Some(band) = band {
        band.draw(&mut pixels, side, side);
    }
    encode(&pixels, side, height)
}

fn encode(pixels: &[u8], width: usize, height: usize) -> Result<Vec<u8>, CampaignError> {
    let too_big = |_| CampaignError::invalid("code", "is too long for a QR code");
    let (width, height) = (u32::try_from(width).map_err(too_big)?, u32::try_from(height).map_err(too_big)?);
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let failed = |_| CampaignError::conflict("qr_failed", "the QR code could not be drawn");
        let mut writer = encoder.write_header().map_err(failed)?;
        writer.write_image_data(pixels).map_err(failed)?;
    }
    Ok(out)
}

/// A caption's glyphs, enlarged `zoom` times, fitted to the code's width (characters that do not
/// fit are left off, with an ellipsis).
struct Caption {
    glyphs: Vec<&'static unifont::Glyph>,
    zoom: usize,
}

const GLYPH_HEIGHT: usize = 16;

impl Caption {
    fn fit(text: &str, side: usize, scale: usize) -> Caption {
        // Text about two modules high, never smaller than the font itself.
        let zoom = (scale / 4).max(1);
        let room = side.saturating_sub(2 * scale) / zoom;
        let fallback = unifont::get_glyph('?');
        let mut glyphs: Vec<&'static unifont::Glyph> =
            text.chars().filter(|c| !c.is_control()).filter_map(|c| unifont::get_glyph(c).or(fallback)).collect();
        let width = |glyphs: &[&unifont::Glyph]| glyphs.iter().map(|g| g.get_width()).sum::<usize>();
        if width(&glyphs) > room {
            let ellipsis = unifont::get_glyph('…').or(fallback);
            let reserved = ellipsis.map_or(0, |g| g.get_width());
            while !glyphs.is_empty() && width(&glyphs) + reserved > room {
                glyphs.pop();
            }
            glyphs.extend(ellipsis);
        }
        Caption { glyphs, zoom }
    }

    /// The band under the code: the text and a margin of half its height.
    fn height(&self) -> usize {
        GLYPH_HEIGHT * self.zoom * 3 / 2
    }

    /// Draws the text centred in the band that starts at row `top` of an image `side` wide.
    fn draw(&self, pixels: &mut [u8], side: usize, top: usize) {
        let text_width: usize = self.glyphs.iter().map(|g| g.get_width() * self.zoom).sum();
        let mut left = side.saturating_sub(text_width) / 2;
        for glyph in &self.glyphs {
            for gy in 0..GLYPH_HEIGHT {
                for gx in 0..glyph.get_width() {
                    if !glyph.get_pixel(gx, gy) {
                        continue;
                    }
                    for dy in 0..self.zoom {
                        let row = top + gy * self.zoom + dy;
                        let start = row * side + left + gx * self.zoom;
                        if let Some(run) = pixels.get_mut(start..start + self.zoom) {
                            run.fill(0);
                        }
                    }
                }
            }
            left += glyph.get_width() * self.zoom;
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_png_starts_with_its_signature_and_an_svg_escapes_its_caption() {
        let png = super::png("https://example.com/s/abcdEFGH", 4, None).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let svg = super::svg("https://example.com/s/abcdEFGH", Some("门口<海报>")).unwrap();
        assert!(svg.contains("门口&lt;海报&gt;"));
    }
}

#[cfg(test)]
mod caption_tests {
    use super::Caption;

    #[test]
    fn a_caption_too_wide_for_the_code_ends_in_an_ellipsis() {
        let fits = Caption::fit("门口海报", 200, 8);
        assert_eq!(fits.glyphs.len(), 4);
        let long = Caption::fit(&"很长的名字".repeat(20), 200, 8);
        let drawn: usize = long.glyphs.iter().map(|g| g.get_width() * long.zoom).sum();
        assert!(drawn <= 200 - 16, "{drawn}");
        assert_eq!(long.glyphs.last().map(|g| g.get_width()), unifont::get_glyph('…').map(|g| g.get_width()));
    }

    #[test]
    fn a_caption_is_drawn_in_its_band_only() {
        let (side, top) = (200, 100);
        let caption = Caption::fit("海报", side, 8);
        let mut pixels = vec![255_u8; side * (top + caption.height())];
        caption.draw(&mut pixels, side, top);
        let dark = pixels.iter().filter(|p| **p == 0).count();
        assert!(dark > 50, "{dark} dark pixels");
        assert!(pixels[..side * top].iter().all(|p| *p == 255), "nothing drawn above the band");
    }
}
