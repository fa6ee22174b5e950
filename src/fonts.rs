//! The kaart's typeface, Noto Sans (SIL OFL 1.1, see `fonts/OFL.txt`), built into the binary.
//! A shared resource, not a stage: validate asks which characters it can show, layout measures
//! with its advance widths, render embeds a subset of it. Parsed once per process.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use printpdf::ParsedFont;

const REGULAR: &[u8] = include_bytes!("../fonts/NotoSans-Regular.ttf");
const BOLD: &[u8] = include_bytes!("../fonts/NotoSans-Bold.ttf");

/// Which face of the family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Face {
    Regular,
    Bold,
}

impl Face {
    pub const ALL: [Face; 2] = [Face::Regular, Face::Bold];
}

/// One parsed face with a dense advance table for fast measuring.
pub struct FontFace {
    pub bytes: &'static [u8],
    pub parsed: ParsedFont,
    /// Advance in 1/1000 em for each BMP code point; `MISSING` where the face has no glyph.
    advances: Vec<u16>,
    /// The advance of each ASCII byte as `width` counts it (a missing glyph as 260).
    ascii: [u32; 128],
    pub ascent: f32,
    pub descent: f32,
}

const MISSING: u16 = u16::MAX;

impl FontFace {
    fn parse(bytes: &'static [u8]) -> FontFace {
        let parsed = ParsedFont::from_bytes(bytes, 0, &mut Vec::new())
            .expect("internal error: the built-in font does not parse; please report this");
        let upm = f32::from(parsed.units_per_em.max(1));
        let mut advances = vec![MISSING; 0x1_0000];
        for (&cp, &gid) in &parsed.codepoint_to_glyph {
            if cp < 0x1_0000 && gid != 0 {
                let w = parsed.glyph_widths.get(&gid).copied().unwrap_or(0);
                advances[cp as usize] = (f32::from(w) * 1000.0 / upm).round() as u16;
            }
        }
        let ascent = f32::from(parsed.font_metrics.ascent) * 1000.0 / upm;
        let descent = f32::from(parsed.font_metrics.descent) * 1000.0 / upm;
        let ascii = std::array::from_fn(|b| match advances[b] {
            MISSING => 260,
            a => u32::from(a),
        });
        FontFace { bytes, parsed, advances, ascii, ascent, descent }
    }

    /// Advance of `c` in 1/1000 em, or `None` when the face cannot show it.
    pub fn advance(&self, c: char) -> Option<f32> {
        let cp = c as usize;
        if cp < self.advances.len() {
            let a = self.advances[cp];
            (a != MISSING).then_some(f32::from(a))
        } else {
            None
        }
    }

    pub fn has(&self, c: char) -> bool {
        self.advance(c).is_some()
    }

    /// Width of `text` at `size` pt. Characters the face lacks count as a space (validate
    /// refuses them before layout, so this only guards against a bug).
    pub fn width(&self, text: &str, size: f32) -> f32 {
        Self::at(self.units(text), size)
    }

    /// Width of `units` 1/1000 em at `size` pt: what `width` gives for text of that many units.
    pub fn at(units: u32, size: f32) -> f32 {
        units as f32 * size / 1000.0
    }

    /// Width of `text` in whole 1/1000 em, summed as integers: exact, so the width of a line
    /// is the sum of its pieces' widths. ASCII (most of a Dutch kaart) is read byte by byte
    /// without decoding UTF-8.
    pub fn units(&self, text: &str) -> u32 {
        self.units_within(text, u32::MAX).unwrap_or(u32::MAX)
    }

    /// `units(text)` when it is at most `limit`, else `None`, found without reading past the
    /// point where the sum passes `limit`: whether a long paragraph fits on one line is known
    /// after a line's worth of it.
    pub fn units_within(&self, text: &str, limit: u32) -> Option<u32> {
        let bytes = text.as_bytes();
        let mut units = 0u32;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b < 0x80 {
                units += self.ascii[usize::from(b)];
                i += 1;
            } else {
                let c = text[i..].chars().next().unwrap_or(' ');
                units += self.advance(c).map_or(260, |a| a as u32);
                i += c.len_utf8();
            }
            if units > limit {
                return None;
            }
        }
        Some(units)
    }

    /// A subset of this face holding just the glyphs for `chars`, with a Unicode cmap, so that
    /// printpdf's encoder and ToUnicode map work on it as on the whole face.
    pub fn subset(&self, chars: &BTreeSet<char>) -> Result<Vec<u8>, String> {
        use allsorts::binary::read::ReadScope;
        use allsorts::font_data::FontData;
        use allsorts::subset::{CmapTarget, SubsetProfile, subset};
        let scope = ReadScope::new(self.bytes);
        let font = scope.read::<FontData<'_>>().map_err(|e| e.to_string())?;
        let provider = font.table_provider(0).map_err(|e| e.to_string())?;
        // allsorts requires glyph 0 (.notdef) first and no duplicates.
        let gids: BTreeSet<u16> = chars
            .iter()
            .filter_map(|&c| self.parsed.codepoint_to_glyph.get(&(c as u32)).copied())
            .filter(|&g| g != 0)
            .collect();
        let ids: Vec<u16> = std::iter::once(0).chain(gids).collect();
        subset(&provider, &ids, &SubsetProfile::Pdf, CmapTarget::Unicode).map_err(|e| e.to_string())
    }
}

/// The regular and bold faces.
pub struct Fonts {
    regular: FontFace,
    bold: FontFace,
    /// `has` for each ASCII byte.
    ascii_shown: [bool; 128],
}

impl Fonts {
    /// The built-in family, parsed on first use.
    pub fn get() -> &'static Fonts {
        static FONTS: OnceLock<Fonts> = OnceLock::new();
        FONTS.get_or_init(|| {
            let (regular, bold) = (FontFace::parse(REGULAR), FontFace::parse(BOLD));
            let ascii_shown = std::array::from_fn(|b| {
                b == usize::from(b'\n') || (regular.has(b as u8 as char) && bold.has(b as u8 as char))
            });
            Fonts { regular, bold, ascii_shown }
        })
    }

    pub fn face(&self, face: Face) -> &FontFace {
        match face {
            Face::Regular => &self.regular,
            Face::Bold => &self.bold,
        }
    }

    /// Whether every face can show `c` (text may be set in any of them).
    pub fn has(&self, c: char) -> bool {
        c == '\n' || (self.regular.has(c) && self.bold.has(c))
    }

    /// The first character of `text` that not every face can show, if any: `has` for each
    /// character, with ASCII (most of the text validate checks) looked up by byte.
    pub fn first_missing(&self, text: &str) -> Option<char> {
        let bytes = text.as_bytes();
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            if b < 0x80 {
                if !self.ascii_shown[usize::from(b)] {
                    return Some(char::from(b));
                }
                i += 1;
            } else {
                let c = text[i..].chars().next()?;
                if !self.has(c) {
                    return Some(c);
                }
                i += c.len_utf8();
            }
        }
        None
    }

    pub fn width(&self, face: Face, text: &str, size: f32) -> f32 {
        self.face(face).width(text, size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covers_dutch_text() {
        let f = Fonts::get();
        for c in "ëéïüáèö€³ĳĲ‘’“”–—•·›".chars() {
            assert!(f.has(c), "{c} missing");
        }
        assert!(!f.has('\u{1F600}'));
        assert!(!f.has('\u{E000}'));
    }

    #[test]
    fn first_missing_agrees_with_has() {
        let f = Fonts::get();
        for text in ["Wonen en zorg", "café €5 – ‘t’", "tab\there", "a\u{1F600}b", "\u{7}x", "", "ĳs\n"] {
            assert_eq!(f.first_missing(text), text.chars().find(|&c| !f.has(c)), "{text:?}");
        }
        for b in 0u8..128 {
            assert_eq!(f.first_missing(&char::from(b).to_string()).is_none(), f.has(char::from(b)), "byte {b}");
        }
    }

    #[test]
    fn units_within_stops_past_the_limit() {
        let f = Fonts::get().face(Face::Regular);
        for text in ["", "Wonen", "café € 25 – één", "a\u{1F600}b"] {
            let u = f.units(text);
            assert_eq!(f.units_within(text, u), Some(u), "{text:?}");
            assert_eq!(f.units_within(text, u + 7), Some(u), "{text:?}");
            if u > 0 {
                assert_eq!(f.units_within(text, u - 1), None, "{text:?}");
            }
        }
    }

    #[test]
    fn widths_scale_with_size() {
        let f = Fonts::get();
        let w10 = f.width(Face::Regular, "Wonen", 10.0);
        assert!((f.width(Face::Regular, "Wonen", 20.0) - 2.0 * w10).abs() < 1e-3);
        assert!(f.width(Face::Bold, "Wonen", 10.0) > w10);
    }

    #[test]
    fn subset_keeps_the_cmap() {
        let f = Fonts::get();
        let chars: BTreeSet<char> = "Schuldhulp ë€".chars().collect();
        let bytes = f.face(Face::Regular).subset(&chars).unwrap();
        assert!(bytes.len() < 20_000, "subset is {} bytes", bytes.len());
        let parsed = ParsedFont::from_bytes(&bytes, 0, &mut Vec::new()).unwrap();
        for c in chars {
            assert!(parsed.codepoint_to_glyph.contains_key(&(c as u32)), "{c} not in subset cmap");
        }
    }
}
