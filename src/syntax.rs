//! PDF syntax for objects written straight to bytes (ISO 32000-1, 7.3): numbers, strings, names
//! and references. Shared by render (content streams) and structure (annotations, structure
//! elements, the serialiser). A tagged kaart has hundreds of thousands of small objects and
//! content streams with hundreds of numbers a page, so these avoid `format!` and allocation.

/// An integer.
pub fn int(out: &mut Vec<u8>, i: i64) {
    if i < 0 {
        out.push(b'-');
    }
    let mut n = i.unsigned_abs();
    // Two digits at a time, from a table: most numbers written are object numbers and
    // coordinates of three to six digits.
    const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
        2021222324252627282930313233343536373839\
        4041424344454647484950515253545556575859\
        6061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899";
    let mut digits = [0u8; 20];
    let mut k = digits.len();
    while n >= 100 {
        let pair = 2 * (n % 100) as usize;
        n /= 100;
        k -= 2;
        digits[k..k + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    }
    if n >= 10 {
        k -= 2;
        digits[k..k + 2].copy_from_slice(&PAIRS[2 * n as usize..2 * n as usize + 2]);
    } else {
        k -= 1;
        digits[k] = b'0' + n as u8;
    }
    out.extend_from_slice(&digits[k..]);
}

/// `v` rounded to `places` decimals (at most 4), without trailing zeros; not finite is 0.
pub fn fixed(out: &mut Vec<u8>, v: f32, places: u32) {
    let places = places.min(4);
    let scale = 10u64.pow(places);
    let scaled = if v.is_finite() { (f64::from(v) * scale as f64).round() } else { 0.0 };
    let n = scaled.abs().min(1e15) as u64;
    if scaled < 0.0 && n != 0 {
        out.push(b'-');
    }
    int(out, (n / scale) as i64);
    let mut frac = n % scale;
    if frac != 0 {
        let mut width = places as usize;
        while frac.is_multiple_of(10) {
            frac /= 10;
            width -= 1;
        }
        out.push(b'.');
        let mut digits = [b'0'; 4];
        for k in (0..width).rev() {
            digits[k] = b'0' + (frac % 10) as u8;
            frac /= 10;
        }
        out.extend_from_slice(&digits[..width]);
    }
}

/// `n` hundredths as a decimal: `-1340` is `-13.4`, `500` is `5`. Exact, for values that are
/// sums and differences of numbers already rounded to hundredths.
pub fn hundredths(out: &mut Vec<u8>, n: i64) {
    if n < 0 {
        out.push(b'-');
    }
    let n = n.unsigned_abs();
    int(out, (n / 100) as i64);
    match n % 100 {
        0 => {}
        f if f % 10 == 0 => out.extend_from_slice(&[b'.', b'0' + (f / 10) as u8]),
        f => out.extend_from_slice(&[b'.', b'0' + (f / 10) as u8, b'0' + (f % 10) as u8]),
    }
}

/// `v` rounded to hundredths, as a count of them (see `hundredths`).
pub fn to_hundredths(v: f32) -> i64 {
    if v.is_finite() { (f64::from(v) * 100.0).round().clamp(-1e15, 1e15) as i64 } else { 0 }
}

/// An indirect reference, `12 0 R`.
pub fn reference(out: &mut Vec<u8>, id: (u32, u16)) {
    int(out, i64::from(id.0));
    out.push(b' ');
    int(out, i64::from(id.1));
    out.extend_from_slice(b" R");
}

/// An array: `[a b c]`, each item written by `item`.
pub fn array<T>(out: &mut Vec<u8>, items: impl IntoIterator<Item = T>, mut item: impl FnMut(&mut Vec<u8>, T)) {
    out.push(b'[');
    for (k, x) in items.into_iter().enumerate() {
        if k > 0 {
            out.push(b' ');
        }
        item(out, x);
    }
    out.push(b']');
}

/// An array of indirect references: `[1 0 R 2 0 R]`.
pub fn references(out: &mut Vec<u8>, ids: impl IntoIterator<Item = (u32, u16)>) {
    array(out, ids, reference);
}

/// A name, with `#xx` for bytes that are not regular characters (7.3.5).
pub fn name(out: &mut Vec<u8>, name: &[u8]) {
    out.push(b'/');
    for &b in name {
        if (0x21..=0x7e).contains(&b) && !b"()<>[]{}/%#".contains(&b) {
            out.push(b);
        } else {
            out.push(b'#');
            hex_byte(out, b);
        }
    }
}

fn hex_byte(out: &mut Vec<u8>, b: u8) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push(HEX[usize::from(b >> 4)]);
    out.push(HEX[usize::from(b & 15)]);
}

/// A hexadecimal string.
pub fn hex(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'<');
    for &b in bytes {
        hex_byte(out, b);
    }
    out.push(b'>');
}

/// A literal string. Parentheses and backslashes are escaped, and so are CR and LF, which a
/// reader would otherwise take for a line end (7.3.4.2).
pub fn literal(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'(');
    for &b in bytes {
        literal_byte(out, b);
    }
    out.push(b')');
}

/// One byte inside a literal string, escaped when it must be.
#[inline]
pub fn literal_byte(out: &mut Vec<u8>, b: u8) {
    match b {
        b'(' | b')' | b'\\' => out.extend_from_slice(&[b'\\', b]),
        b'\r' => out.extend_from_slice(b"\\r"),
        b'\n' => out.extend_from_slice(b"\\n"),
        _ => out.push(b),
    }
}

/// A text string (7.9.2.2): in PDFDocEncoding when it can be (see `pdf_doc`), else as UTF-16BE
/// with a byte-order mark, in hex. Names with an é or ë take a byte per letter, not four.
pub fn text(out: &mut Vec<u8>, s: &str) {
    if pdf_doc(s) {
        out.push(b'(');
        for c in s.chars() {
            literal_byte(out, c as u32 as u8);
        }
        out.push(b')');
    } else {
        out.push(b'<');
        for b in utf16_text(s) {
            hex_byte(out, b);
        }
        out.push(b'>');
    }
}

/// Whether a text string can be written in PDFDocEncoding, a byte per character: every
/// character printable ASCII or a Latin-1 letter or sign (U+00A1-U+00FF but the soft hyphen),
/// where PDFDocEncoding and Latin-1 agree (ISO 32000-1, annex D.2), and the string does not
/// begin as a byte-order mark would ("þÿ" for UTF-16, "ï»¿" for UTF-8).
pub fn pdf_doc(s: &str) -> bool {
    s.chars().all(|c| matches!(c, ' '..='~' | '\u{A1}'..='\u{FF}') && c != '\u{AD}')
        && !s.starts_with("þÿ")
        && !s.starts_with("ï»¿")
}

/// The bytes of a text string in UTF-16BE, after its byte-order mark.
pub fn utf16_text(s: &str) -> impl Iterator<Item = u8> + '_ {
    [0xFE, 0xFF].into_iter().chain(s.encode_utf16().flat_map(u16::to_be_bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        f(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    #[test]
    fn numbers() {
        assert_eq!(s(|o| int(o, 0)), "0");
        assert_eq!(s(|o| references(o, [(1, 0), (23, 0)])), "[1 0 R 23 0 R]");
        assert_eq!(s(|o| references(o, [])), "[]");
        assert_eq!(s(|o| int(o, -120)), "-120");
        for n in [7i64, 10, 99, 100, 101, 999, 1000, 12345, 100_000, 987_654, 1_000_001, i64::MAX] {
            assert_eq!(s(|o| int(o, n)), n.to_string());
        }
        assert_eq!(s(|o| int(o, i64::MIN)), "-9223372036854775808");
        assert_eq!(s(|o| fixed(o, 12.5, 2)), "12.5");
        assert_eq!(s(|o| fixed(o, 12.0, 2)), "12");
        assert_eq!(s(|o| fixed(o, 0.049, 2)), "0.05");
        assert_eq!(s(|o| fixed(o, 0.004, 2)), "0");
        assert_eq!(s(|o| fixed(o, -0.001, 2)), "0");
        assert_eq!(s(|o| fixed(o, -3.25, 2)), "-3.25");
        assert_eq!(s(|o| fixed(o, 0.5019608, 3)), "0.502");
        assert_eq!(s(|o| fixed(o, f32::NAN, 2)), "0");
        assert_eq!(s(|o| reference(o, (12, 0))), "12 0 R");
        assert_eq!(s(|o| hundredths(o, -1340)), "-13.4");
        assert_eq!(s(|o| hundredths(o, 500)), "5");
        assert_eq!(s(|o| hundredths(o, -5)), "-0.05");
        assert_eq!(s(|o| hundredths(o, 0)), "0");
        assert_eq!(to_hundredths(420.5561), 42056);
        assert_eq!(to_hundredths(f32::INFINITY), 0);
    }

    #[test]
    fn strings_and_names() {
        assert_eq!(s(|o| literal(o, b"a (b) \\c\r")), "(a \\(b\\) \\\\c\\r)");
        assert_eq!(s(|o| text(o, "Wonen")), "(Wonen)");
        // Latin-1 letters take a byte each (PDFDocEncoding); anything else makes it UTF-16.
        let bytes = |f: &dyn Fn(&mut Vec<u8>)| {
            let mut out = Vec::new();
            f(&mut out);
            out
        };
        assert_eq!(bytes(&|o| text(o, "Schulden en financiën")), b"(Schulden en financi\xEBn)");
        assert_eq!(bytes(&|o| text(o, "Caf\u{e9} (ë)")), b"(Caf\xE9 \\(\xEB\\))");
        assert_eq!(s(|o| text(o, "’t Kan")), "<FEFF201900740020004B0061006E>");
        assert_eq!(s(|o| text(o, "€ 5")), "<FEFF20AC00200035>");
        assert_eq!(s(|o| text(o, "a\u{AD}b")), "<FEFF006100AD0062>");
        // Text that would begin like a byte-order mark.
        assert!(s(|o| text(o, "þÿ")).starts_with("<FEFF00FE00FF"));
        assert!(s(|o| text(o, "ï»¿x")).starts_with("<FEFF00EF00BB00BF"));
        assert_eq!(s(|o| name(o, b"A B#")), "/A#20B#23");
        assert_eq!(s(|o| hex(o, &[0, 0xAB])), "<00AB>");
    }
}
