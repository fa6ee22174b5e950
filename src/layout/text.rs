//! Measuring and breaking text: Unicode line breaking (UAX #14) with the font's real advance
//! widths, and a fallback that breaks a word too long for its column (a URL, a long Dutch
//! compound) after a slash, dot or hyphen, or else between two letters. No hyphen glyph is ever
//! inserted, so search and copy find the whole word.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::sync::Arc;

use unicode_linebreak::{BreakOpportunity, linebreaks};

use crate::fonts::{Face, FontFace, Fonts};

/// A block of a long text field: a paragraph, or a bullet item (a line starting with `- `).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Para {
    Text(String),
    Bullet(String),
}

/// Splits a long text field into paragraphs and bullet items. A blank line starts a new
/// paragraph; lines inside a paragraph are joined with a space, as in Markdown.
pub fn paragraphs(text: &str) -> Vec<Para> {
    let mut out = Vec::new();
    let mut cur: Option<Para> = None;
    let flush = |cur: &mut Option<Para>, out: &mut Vec<Para>| {
        if let Some(p) = cur.take() {
            out.push(p);
        }
    };
    for raw in text.lines() {
        let line = raw.trim();
        if line.is_empty() {
            flush(&mut cur, &mut out);
            continue;
        }
        if let Some(item) =
            line.strip_prefix("- ").or_else(|| line.strip_prefix("• ")).or_else(|| (line == "-").then_some(""))
        {
            flush(&mut cur, &mut out);
            cur = Some(Para::Bullet(item.trim().to_string()));
            continue;
        }
        match &mut cur {
            Some(Para::Text(s)) | Some(Para::Bullet(s)) => {
                if !s.is_empty() {
                    s.push(' ');
                }
                s.push_str(line);
            }
            None => cur = Some(Para::Text(line.to_string())),
        }
    }
    flush(&mut cur, &mut out);
    out.retain(|p| !matches!(p, Para::Bullet(s) | Para::Text(s) if s.is_empty()));
    out
}

/// One line of a wrapped paragraph, with its advance width at the size it was wrapped at: a
/// layout made again (see `detail::intervention`) neither breaks nor measures its lines again;
/// the text run placed for a line copies its text into the page's buffer (`Page::add_text`).
#[derive(Debug, Clone)]
pub struct Line {
    pub text: Arc<str>,
    pub w: f32,
}

impl std::ops::Deref for Line {
    type Target = str;
    fn deref(&self) -> &str {
        &self.text
    }
}

/// Wrapped lines, shared by every pass that lays the paragraph out.
pub type Lines = Arc<[Line]>;

/// Line breaks remembered while one intervention is laid out again and again (see
/// `detail::intervention`): the columns keep their width, so every paragraph breaks the same way
/// in each pass. Keyed by face, size, width and a hash of the text; the text is kept to check.
type Memo = HashMap<(Face, u32, u32, u64), (Box<str>, Lines), BuildHasherDefault<Fx>>;

/// A fast, deterministic hash (FxHash's multiply-rotate, eight bytes at a time): the memo checks
/// the text itself on a hit, so it needs speed, not strength against collisions.
#[derive(Default)]
struct Fx(u64);

impl Fx {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            self.add(u64::from_le_bytes(w.try_into().expect("eight bytes")));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

thread_local! {
    static MEMO: RefCell<Option<Memo>> = const { RefCell::new(None) };
}

/// While the returned guard lives, `wrap` on this thread remembers what it computed.
pub(crate) fn remember_wraps() -> WrapMemo {
    MEMO.with(|m| *m.borrow_mut() = Some(HashMap::default()));
    WrapMemo(())
}

/// Ends `remember_wraps` (and frees what was remembered) when dropped.
pub(crate) struct WrapMemo(());

impl Drop for WrapMemo {
    fn drop(&mut self) {
        MEMO.with(|m| *m.borrow_mut() = None);
    }
}

/// Breaks one paragraph (no newlines) into lines no wider than `max` points.
pub fn wrap(fonts: &Fonts, face: Face, size: f32, text: &str, max: f32) -> Lines {
    let remembered = MEMO.with(|m| {
        let m = m.borrow();
        let memo = m.as_ref()?;
        let mut h = Fx::default();
        text.hash(&mut h);
        let key = (face, size.to_bits(), max.to_bits(), h.finish());
        Some(match memo.get(&key) {
            Some((t, lines)) if **t == *text => Ok(Arc::clone(lines)),
            Some(_) => Err(None), // another text with the same hash: not remembered
            None => Err(Some(key)),
        })
    });
    match remembered {
        Some(Ok(lines)) => lines,
        Some(Err(Some(key))) => {
            let lines: Lines = wrap_now(fonts, face, size, text, max).into();
            MEMO.with(|m| {
                if let Some(memo) = m.borrow_mut().as_mut() {
                    memo.insert(key, (text.into(), Arc::clone(&lines)));
                }
            });
            lines
        }
        _ => wrap_now(fonts, face, size, text, max).into(),
    }
}

/// The lines of `text`, each with its width as `Fonts::width` measures it: widths are kept in
/// whole units while breaking (see `FontFace::units`), so no line is measured twice.
fn wrap_now(fonts: &Fonts, face: Face, size: f32, text: &str, max: f32) -> Vec<Line> {
    let f = fonts.face(face);
    let units = |s: &str| f.units(s);
    let at = |u: u32| FontFace::at(u, size);
    // A line without its trailing spaces, from the units of the line with them.
    let line = |s: &str, u: u32| {
        let t = s.trim_end();
        Line { w: at(u - units(&s[t.len()..])), text: t.into() }
    };
    // Most runs (titles, labels, chips, short values) fit on one line: then the break
    // opportunities are not needed, and finding them is most of the time spent here.
    let mandatory = |c: char| matches!(c, '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}');
    // Whether it fits is known after a line's worth of a long paragraph: the sum stops a little
    // past `max` (the margin covers rounding), and the exact test follows.
    let limit = match max * 1000.0 / size {
        l if l.is_finite() && l >= 0.0 => (l as u32).saturating_add(2),
        l if l > 0.0 => u32::MAX,
        _ => 0,
    };
    if let Some(all) = f.units_within(text, limit)
        && at(all) <= max
        && !text.contains(mandatory)
    {
        return vec![line(text, all)];
    }
    let mut lines = Vec::new();
    // The current line is `text[cur.0..cur.1]`: a line is always a piece of the text.
    let mut cur = (0usize, 0usize);
    let mut cur_w = 0.0f32; // its width, trailing spaces included, as the breaks saw it
    let mut cur_u = 0u32; // the same in units
    let mut prev = 0;
    for (pos, op) in break_opportunities(text) {
        let (start, seg) = (prev, &text[prev..pos]);
        prev = pos;
        let core = seg.trim_end();
        let core_u = units(core);
        let core_w = at(core_u);
        let seg_u = core_u + units(&seg[core.len()..]);
        if cur.0 < cur.1 && cur_w + core_w > max {
            lines.push(line(&text[cur.0..cur.1], cur_u));
            cur = (start, start);
            cur_w = 0.0;
            cur_u = 0;
        }
        if cur.0 == cur.1 && core_w > max {
            let mut pieces = split_long(fonts, face, size, core, max);
            let last = pieces.pop().unwrap_or_default();
            lines.extend(pieces.iter().map(|p| Line { w: at(units(p)), text: p.as_str().into() }));
            // The pieces make up the word: the last one ends where it does.
            cur = (start + core.len() - last.len(), pos);
            cur_u = units(&text[cur.0..cur.1]);
            cur_w = at(cur_u);
        } else {
            if cur.0 == cur.1 {
                cur.0 = start;
            }
            cur.1 = pos;
            cur_w += at(seg_u);
            cur_u += seg_u;
        }
        if op == BreakOpportunity::Mandatory && !text[cur.0..cur.1].trim().is_empty() {
            lines.push(line(&text[cur.0..cur.1], cur_u));
            cur = (pos, pos);
            cur_w = 0.0;
            cur_u = 0;
        }
    }
    if !text[cur.0..cur.1].trim().is_empty() {
        lines.push(line(&text[cur.0..cur.1], cur_u));
    }
    if lines.is_empty() {
        lines.push(Line { w: 0.0, text: "".into() });
    }
    lines
}

/// The break opportunities of `text`, exactly as UAX #14 (`linebreaks`) gives them, most of
/// them found without it. A word (a run without spaces) of letters and digits, with at most
/// `.` and `,` after the first character, has no opportunity inside, and one after the spaces
/// before it when the word before it is also one of these: the rules that forbid a break there
/// all need another class on one side. Around other words (hyphens, brackets, quotes, €, %, /,
/// no-break spaces...) UAX #14 decides, on the text from the word before them to the word
/// after them, which holds all the context its rules look at across spaces. Line breaking
/// was the largest cost of laying out a text-heavy kaart.
fn break_opportunities(text: &str) -> Vec<(usize, BreakOpportunity)> {
    let b = text.as_bytes();
    if b.first().is_none_or(|&c| c == b' ') {
        return linebreaks(text).collect();
    }
    // The words: where each starts and ends, and whether it is simple (see above).
    let mut words: Vec<(usize, usize, bool)> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b' ' {
            i += 1;
            continue;
        }
        let start = i;
        let mut simple = true;
        while let Some(&c) = b.get(i).filter(|&&c| c != b' ') {
            if c < 0x80 {
                simple &= c.is_ascii_alphanumeric() || (i > start && (c == b'.' || c == b','));
                i += 1;
            } else {
                let ch = text[i..].chars().next().expect("a character starts here");
                // Latin-1 letters (not × or ÷).
                simple &= ('\u{C0}'..='\u{FF}').contains(&ch) && ch != '\u{D7}' && ch != '\u{F7}';
                i += ch.len_utf8();
            }
        }
        words.push((start, i, simple));
    }
    let mut out = Vec::with_capacity(words.len() + 1);
    let mut k = 0;
    while k < words.len() {
        if words[k].2 {
            if k > 0 && words[k - 1].2 {
                out.push((words[k].0, BreakOpportunity::Allowed));
            }
            k += 1;
            continue;
        }
        // A run of words that are not simple, with one word of context on each side.
        let first = k;
        while k < words.len() && !words[k].2 {
            k += 1;
        }
        let from = if first > 0 { words[first - 1].0 } else { 0 };
        let (to, last) = match words.get(k) {
            Some(next) => (next.1, next.0),
            None => (text.len(), text.len()),
        };
        let lo = words[first].0;
        out.extend(
            linebreaks(&text[from..to])
                .map(|(p, op)| (p + from, op))
                .filter(|&(p, _)| (first > 0 || p > 0) && p >= lo && p <= last && (p < to || to == text.len())),
        );
        // The next word's start is done: carry on after it.
        if k < words.len() {
            k += 1;
        }
    }
    if out.last().is_none_or(|&(p, _)| p < text.len()) {
        out.push((text.len(), BreakOpportunity::Mandatory));
    }
    out
}

/// Cuts a word wider than `max` into pieces that fit, preferring to cut after `/ . - _ ? & = @`
/// in the second half of a piece (where a reader of a URL expects it).
fn split_long(fonts: &Fonts, face: Face, size: f32, word: &str, max: f32) -> Vec<String> {
    let f = fonts.face(face);
    let mut pieces = Vec::new();
    let mut piece = String::new();
    let mut w = 0.0f32;
    for c in word.chars() {
        let cw = f.advance(c).unwrap_or(260.0) * size / 1000.0;
        if !piece.is_empty() && w + cw > max {
            let half = piece.len() / 2;
            let cut = piece
                .char_indices()
                .filter(|&(i, ch)| i >= half && matches!(ch, '/' | '.' | '-' | '_' | '?' | '&' | '=' | '@'))
                .map(|(i, ch)| i + ch.len_utf8())
                .next_back()
                .filter(|&i| i < piece.len());
            match cut {
                Some(i) => {
                    let rest = piece.split_off(i);
                    pieces.push(std::mem::replace(&mut piece, rest));
                    w = f.width(&piece, size);
                }
                None => {
                    pieces.push(std::mem::take(&mut piece));
                    w = 0.0;
                }
            }
        }
        piece.push(c);
        w += cw;
    }
    pieces.push(piece);
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `break_opportunities` gives what UAX #14 gives, on random texts of simple words and
    /// every kind of character its shortcut must leave to UAX #14.
    #[test]
    fn break_opportunities_are_those_of_uax14() {
        let alphabet: Vec<&str> = vec![
            "a", "Zorg", "5", "2026", "é", "ß", "ÿ", ".", ",", " ", "  ", "-", "(", ")", "[", "€", "%", "/", "\"", "'",
            "‘", "’", "“", "«", "»", "!", "?", ":", ";", "\u{A0}", "\n", "\t", "\u{301}", "🙂", "\u{200B}", "×", "–",
            "—", "#", "&", "+", "·", "…", "ĳ", "日本", "\u{2060}", "\u{AD}", "_", "@", "ª", "ö",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for _ in 0..40_000 {
            let len = next(24);
            let text: String = (0..len).map(|_| alphabet[next(alphabet.len())]).collect();
            let want: Vec<_> = linebreaks(&text).collect();
            assert_eq!(break_opportunities(&text), want, "{text:?}");
        }
        for text in
            ["", " ", "a", "Wonen en zorg, samen.", "  twee", "eind  ", "€ 25 per maand (Wmo)", "re-integratie 60%"]
        {
            assert_eq!(break_opportunities(text), linebreaks(text).collect::<Vec<_>>(), "{text:?}");
        }
    }

    #[test]
    fn paragraphs_and_bullets() {
        let t = "Eerste regel\nloopt door.\n\n- een\n- twee\n  vervolg\n\nSlot.";
        assert_eq!(
            paragraphs(t),
            vec![
                Para::Text("Eerste regel loopt door.".into()),
                Para::Bullet("een".into()),
                Para::Bullet("twee vervolg".into()),
                Para::Text("Slot.".into()),
            ]
        );
    }

    #[test]
    fn lines_fit_and_keep_every_word() {
        let fonts = Fonts::get();
        let text = "De schuldhulpverlening van de gemeente helpt inwoners met problematische schulden op weg naar een schuldenvrije toekomst.";
        let lines = wrap(fonts, Face::Regular, 10.0, text, 150.0);
        assert!(lines.len() > 2);
        for l in lines.iter() {
            assert!(fonts.width(Face::Regular, l, 10.0) <= 150.0, "{} too wide", &l.text);
            assert_eq!(l.w, fonts.width(Face::Regular, l, 10.0), "the width is the line's");
        }
        assert_eq!(lines.iter().map(|l| &*l.text).collect::<Vec<_>>().join(" "), text);
    }

    #[test]
    fn long_words_break_without_hyphens() {
        let fonts = Fonts::get();
        let url = "https://www.justitieleinterventies.nl/erkende-interventies/cognitieve-vaardigheidstraining";
        let lines = wrap(fonts, Face::Regular, 9.0, url, 120.0);
        assert!(lines.len() > 1);
        for l in lines.iter() {
            assert!(fonts.width(Face::Regular, l, 9.0) <= 120.0, "{} too wide", &l.text);
        }
        let concat = |lines: &[Line]| lines.iter().map(|l| &*l.text).collect::<String>();
        assert_eq!(concat(&lines), url, "no characters added or lost");
        let word = "arbeidsongeschiktheidsverzekeringsmaatschappijmedewerkersvertegenwoordiging";
        let lines = wrap(fonts, Face::Bold, 12.0, word, 100.0);
        assert_eq!(concat(&lines), word);
        for l in lines.iter() {
            assert!(fonts.width(Face::Bold, l, 12.0) <= 100.0);
        }
    }
}
