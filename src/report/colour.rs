//! The report's colours: the codes' own, a colour-blind-safe palette for the others, and a
//! sequential shade for counts and indices.

/// Colours for themes whose codes have none: Okabe and Ito's colour-blind-safe palette
/// (without its yellow, too pale on white).
pub(super) const PALETTE: [&str; 7] = [
    "#0072b2", "#009e73", "#d55e00", "#cc79a7", "#e69f00", "#56b4e9", "#666666",
];

/// The light and dark ends of the shading of counts and indices.
const SHADE_LOW: (u8, u8, u8) = (0xf4, 0xf8, 0xfc);
const SHADE_HIGH: (u8, u8, u8) = (0x08, 0x3d, 0x7a);

pub(super) type Rgb = (u8, u8, u8);

/// `#rgb` or `#rrggbb` as red, green, blue.
pub(super) fn parse_hex(colour: &str) -> Option<Rgb> {
    let hex = colour.strip_prefix('#')?;
    let digit = |i: usize, len: usize| u8::from_str_radix(hex.get(i..i + len)?, 16).ok();
    match hex.len() {
        3 => Some((digit(0, 1)? * 17, digit(1, 1)? * 17, digit(2, 1)? * 17)),
        6 => Some((digit(0, 2)?, digit(2, 2)?, digit(4, 2)?)),
        _ => None,
    }
}

pub(super) fn hex((r, g, b): Rgb) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// A shade for `t` from 0 (nearly white) to 1 (dark blue), `t` clamped.
pub(super) fn sequential(t: f64) -> String {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let mix = |low: u8, high: u8| (low as f64 + (high as f64 - low as f64) * t).round() as u8;
    hex((
        mix(SHADE_LOW.0, SHADE_HIGH.0),
        mix(SHADE_LOW.1, SHADE_HIGH.1),
        mix(SHADE_LOW.2, SHADE_HIGH.2),
    ))
}

/// Dark text on a light background, white on a dark one.
pub(super) fn ink_on(background: &str) -> &'static str {
    let (r, g, b) = parse_hex(background).unwrap_or((255, 255, 255));
    let luma = 0.299 * r as f64 + 0.587 * g as f64 + 0.114 * b as f64;
    if luma > 150.0 { "#1a1a1a" } else { "#ffffff" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_colours_and_shades() {
        assert_eq!(parse_hex("#abc"), Some((0xaa, 0xbb, 0xcc)));
        assert_eq!(parse_hex("red"), None);
        assert_eq!(sequential(0.0), "#f4f8fc");
        assert_eq!(sequential(1.0), "#083d7a");
        assert_eq!(ink_on("#083d7a"), "#ffffff");
    }
}
