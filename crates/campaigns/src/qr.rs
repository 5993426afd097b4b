//! QR codes of placements, for print: error correction level Q (about a quarter of the code may
//! be smudged or covered and it still reads), a four-module quiet zone, black on white. SVG scales
//! to any poster; the PNG is drawn from the same modules.

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

/// The code as a PNG, `scale` pixels a module (grayscale, 8 bits).
pub fn png(text: &str, scale: usize) -> Result<Vec<u8>, CampaignError> {
    let code = code(text)?;
    let width = code.width();
    let quiet = 4;
    let side = (width + 2 * quiet) * scale;
    let colors = code.to_colors();
    let mut pixels = vec![255_u8; side * side];
    for (at, color) in colors.iter().enumerate() {
        if *color == qrcode::Color::Dark {
            let (x, y) = ((at % width + quiet) * scale, (at / width + quiet) * scale);
            for row in y..y + scale {
                pixels[row * side + x..row * side + x + scale].fill(0);
            }
        }
    }
    let mut out = Vec::new();
    {
        let side = u32::try_from(side).map_err(|_| CampaignError::invalid("code", "is too long for a QR code"))?;
        let mut encoder = png::Encoder::new(&mut out, side, side);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let failed = |_| CampaignError::conflict("qr_failed", "the QR code could not be drawn");
        let mut writer = encoder.write_header().map_err(failed)?;
        writer.write_image_data(&pixels).map_err(failed)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_png_starts_with_its_signature_and_an_svg_escapes_its_caption() {
        let png = super::png("https://example.com/s/abcdEFGH", 4).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let svg = super::svg("https://example.com/s/abcdEFGH", Some("门口<海报>")).unwrap();
        assert!(svg.contains("门口&lt;海报&gt;"));
    }
}
