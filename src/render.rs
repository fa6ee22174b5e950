//! render: pages of boxes -> a lopdf document with the fonts and each page's content stream.
//! Knows boxes, fonts and colours, not interventions; writes no links, outline or names, and
//! leaves the page objects to structure, which knows each page's annotations.
//!
//! Fonts are subset here, once, to the characters the layout uses, and printpdf writes the
//! document skeleton and the font objects (embedded subset, widths, ToUnicode). The pages'
//! content streams are written here, straight from the boxes, with the same glyph ids: going
//! through printpdf's drawing operations cost 0.9 s of a 2.2 s build of 1,000 interventions
//! (each page became `Op`s, then lopdf operations, then bytes, with hex strings and float
//! formatting), against 0.3 s for the whole stage now.

use std::collections::{BTreeMap, BTreeSet};

use printpdf::{
    FontId, Mm, Op, ParsedFont, PdfDocument, PdfFont, PdfFontHandle, PdfPage, PdfSaveOptions, Pt, TextItem,
};

use lopdf::dictionary;

use crate::deflate::Deflater;
use crate::fonts::{Face, Fonts};
use crate::layout::{Item, Layout, Role};
use crate::model::Rgb;
use crate::syntax;

/// The rendered document: lopdf's object graph, ready for the structure stage.
pub struct Rendered {
    pub doc: lopdf::Document,
    /// Page object ids in page order: reserved in `doc`, not yet in it. The structure stage
    /// writes each page object (see `PageObjects`) once it knows the page's annotations.
    pub page_ids: Vec<lopdf::ObjectId>,
    pub pages: PageObjects,
}

/// What the page objects hold: the page tree node, the resources and media box all pages
/// share, and each page's content stream. A large kaart has tens of thousands of pages; as
/// lopdf dictionaries they were copied and grown twice before being written.
pub struct PageObjects {
    pub parent: lopdf::ObjectId,
    pub resources: lopdf::ObjectId,
    pub width: f32,
    pub height: f32,
    pub contents: Vec<lopdf::ObjectId>,
}

#[derive(Debug)]
pub enum RenderError {
    /// The font subsetter failed on the built-in font: a bug, not a data problem.
    Font(String),
}

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RenderError::Font(e) => write!(f, "internal error: font subsetting failed ({e}); please report this"),
        }
    }
}

impl std::error::Error for RenderError {}

/// The marked-content tag of a line of text: the structure type it will sit in.
fn mc_tag(role: Role, link: bool) -> &'static str {
    if link {
        return "Link";
    }
    match role {
        Role::Heading(1) => "H1",
        Role::Heading(2) => "H2",
        Role::Heading(_) => "H3",
        Role::ListLabel => "Lbl",
        Role::ListBody => "LBody",
        _ => "P",
    }
}

/// A content stream being written. Numbers are written by hand: `format!` of floats was a
/// tenth of the render time, and the stream holds hundreds of numbers per page.
struct Content {
    buf: Vec<u8>,
    /// Where the current line starts, in hundredths of a point, inside a text object: the next
    /// line is placed relative to it (`Td`), a short operator where `Tm` repeats the matrix.
    line: Option<(i64, i64)>,
}

impl Content {
    fn op(&mut self, s: &str) {
        self.buf.extend_from_slice(s.as_bytes());
    }

    fn int(&mut self, n: u32) {
        syntax::int(&mut self.buf, i64::from(n));
    }

    /// `v` rounded to `10^-places`, then a space.
    fn fixed(&mut self, v: f32, places: u32) {
        syntax::fixed(&mut self.buf, v, places);
        self.buf.push(b' ');
    }

    /// Coordinates to 1/100 pt: plenty for print, and short numbers in the stream.
    fn num(&mut self, v: f32) {
        self.fixed(v, 2);
    }

    /// Starts a text object.
    fn begin_text(&mut self) {
        self.op("BT\n");
        self.line = None;
    }

    /// Moves to a new line starting at (x, y): `Td` from the line before, or from the origin
    /// at the start of a text object. Positions are rounded to 1/100 pt first and the moves
    /// are exact differences of those, so rounding never adds up over a page.
    fn line_to(&mut self, x: f32, y: f32) {
        let to = (syntax::to_hundredths(x), syntax::to_hundredths(y));
        let from = self.line.unwrap_or((0, 0));
        syntax::hundredths(&mut self.buf, to.0 - from.0);
        self.buf.push(b' ');
        syntax::hundredths(&mut self.buf, to.1 - from.1);
        self.op(" Td ");
        self.line = Some(to);
    }

    /// A fill colour, each component to three decimals: indistinguishable, and short.
    fn fill(&mut self, c: Rgb) {
        for v in [c.0, c.1, c.2] {
            self.fixed(f32::from(v) / 255.0, 3);
        }
        self.op("rg\n");
    }

    /// A string of glyph codes as a literal string (half the bytes of hex): one byte per glyph
    /// when the font has at most 256 glyphs (see `ONE_BYTE_CMAP`), else two (Identity-H).
    fn glyphs(&mut self, one_byte: bool, gids: impl Iterator<Item = u16>) {
        self.buf.push(b'(');
        for g in gids {
            let [hi, lo] = g.to_be_bytes();
            if !one_byte {
                syntax::literal_byte(&mut self.buf, hi);
            }
            syntax::literal_byte(&mut self.buf, lo);
        }
        self.buf.push(b')');
    }
}

/// The characters a face draws: a bit per code point of the Basic Multilingual Plane, where
/// nearly all text is, so that collecting them is not a tree insertion per character.
struct CharSet {
    bmp: Vec<u64>,
    other: BTreeSet<char>,
}

impl Default for CharSet {
    fn default() -> Self {
        CharSet { bmp: vec![0; 0x1_0000 / 64], other: BTreeSet::new() }
    }
}

impl CharSet {
    fn extend(&mut self, s: &str) {
        // Most text is ASCII, with an é or € here and there: ASCII bytes are marked without
        // decoding them, and only the others are decoded.
        let bytes = s.as_bytes();
        let (mut lo, mut hi) = (0u64, 0u64);
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            if b < 0x80 {
                // Without a branch on which word the bit goes to: letters and spaces alternate.
                let bit = 1u64 << (b % 64);
                let low = u64::from(b >> 6).wrapping_sub(1); // all ones when b < 64
                lo |= bit & low;
                hi |= bit & !low;
                i += 1;
            } else {
                let c = s[i..].chars().next().expect("a character starts here");
                let cp = c as usize;
                if cp < 0x1_0000 {
                    self.bmp[cp / 64] |= 1 << (cp % 64);
                } else {
                    self.other.insert(c);
                }
                i += c.len_utf8();
            }
        }
        self.bmp[0] |= lo;
        self.bmp[1] |= hi;
    }

    fn union(&mut self, other: &CharSet) {
        for (a, b) in self.bmp.iter_mut().zip(&other.bmp) {
            *a |= b;
        }
        self.other.extend(other.other.iter().copied());
    }

    fn chars(&self) -> BTreeSet<char> {
        let mut out = BTreeSet::new();
        for (i, &word) in self.bmp.iter().enumerate() {
            let mut w = word;
            while w != 0 {
                let bit = w.trailing_zeros() as usize;
                out.extend(char::from_u32((i * 64 + bit) as u32));
                w &= w - 1;
            }
        }
        out.extend(self.other.iter().copied());
        out
    }
}

/// Character to glyph id in the embedded subset of one face: the codes the content stream
/// writes (CID = glyph id), the same ones printpdf's widths use.
struct GlyphMap {
    latin: [u16; 256],
    other: BTreeMap<char, u16>,
    /// Every glyph id fits in a byte: codes are one byte each (`ONE_BYTE_CMAP`).
    one_byte: bool,
}

impl GlyphMap {
    fn new(font: &ParsedFont, chars: &BTreeSet<char>) -> GlyphMap {
        let mut map = GlyphMap { latin: [0; 256], other: BTreeMap::new(), one_byte: true };
        for &c in chars {
            let gid = font.lookup_glyph_index(c as u32).unwrap_or(0);
            map.one_byte &= gid < 256;
            if (c as u32) < 256 {
                map.latin[c as usize] = gid;
            } else {
                map.other.insert(c, gid);
            }
        }
        map
    }

    /// The ToUnicode CMap for one-byte codes: each glyph's code to the character it shows
    /// (the lowest, when two characters share a glyph), so search and copy give back the text.
    fn to_unicode(&self) -> Vec<u8> {
        let mut by_gid: BTreeMap<u16, char> = BTreeMap::new();
        let latin = self.latin.iter().enumerate().filter(|&(_, &g)| g != 0).map(|(c, &g)| (char::from(c as u8), g));
        for (c, g) in latin.chain(self.other.iter().map(|(&c, &g)| (c, g))) {
            by_gid.entry(g).or_insert(c);
        }
        let mut out = b"/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
1 begincodespacerange\n<00> <FF>\nendcodespacerange\n"
            .to_vec();
        let entries: Vec<(u16, char)> = by_gid.into_iter().collect();
        for chunk in entries.chunks(100) {
            syntax::int(&mut out, chunk.len() as i64);
            out.extend_from_slice(b" beginbfchar\n");
            for &(g, c) in chunk {
                syntax::hex(&mut out, &[g as u8]);
                out.push(b' ');
                let units: Vec<u8> = c.encode_utf16(&mut [0; 2]).iter().flat_map(|u| u.to_be_bytes()).collect();
                syntax::hex(&mut out, &units);
                out.push(b'\n');
            }
            out.extend_from_slice(b"endbfchar\n");
        }
        out.extend_from_slice(b"endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
        out
    }

    /// `text` (and a space after it, if `space`) as a literal string of one-byte codes, as
    /// `Content::glyphs` writes it; ASCII, most of the text, without decoding UTF-8.
    fn one_byte_codes(&self, out: &mut Vec<u8>, text: &str, space: bool) {
        out.push(b'(');
        let bytes = text.as_bytes();
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            if b < 0x80 {
                syntax::literal_byte(out, self.latin[usize::from(b)] as u8);
                i += 1;
            } else {
                let c = text[i..].chars().next().unwrap_or(' ');
                syntax::literal_byte(out, self.gid(c) as u8);
                i += c.len_utf8();
            }
        }
        if space {
            syntax::literal_byte(out, self.gid(' ') as u8);
        }
        out.push(b')');
    }

    fn gid(&self, c: char) -> u16 {
        if (c as u32) < 256 { self.latin[c as usize] } else { self.other.get(&c).copied().unwrap_or(0) }
    }
}

/// The content stream of one page.
///
/// Marked content: decoration is an `/Artifact`; text is either an artifact (the footer) or
/// belongs to a sequence with the MCID `Page::mcids` gives it, the ids the structure stage uses
/// too. The fills come first, in one artifact sequence; then all text in one text object (BT/ET)
/// with the marked content nested in it, so the nesting stays proper (ISO 32000-1, 14.6).
fn page_content(page: &crate::layout::Page, h: f32, tagged: bool, glyphs: &BTreeMap<Face, GlyphMap>) -> Vec<u8> {
    let mut c = Content { buf: Vec::with_capacity(page.items.len() * 40), line: None };
    let mcids = if tagged { page.mcids() } else { vec![None; page.items.len()] };
    // A line followed by another line of the same marked-content sequence ends in a space, so
    // that text taken from the structure (screen readers, reflow) reads "gedrag Trainingen",
    // not "gedragTrainingen". The space is invisible and sits past the line's measured width.
    let mut continues = vec![false; page.items.len()];
    let mut last_text: Option<usize> = None;
    for (i, item) in page.items.iter().enumerate() {
        if let Item::Text(_) = item {
            if let Some(j) = last_text
                && mcids[i].is_some()
                && mcids[j] == mcids[i]
            {
                continues[j] = true;
            }
            last_text = Some(i);
        }
    }
    let mut fill: Option<Rgb> = None;
    let mut font: Option<(Face, f32)> = None;
    // All fills first, in one artifact sequence: they are backgrounds and rules, which text is
    // drawn over, never under. One sequence and one text object per page instead of one of each
    // per tile or chip: a fifth of the marked-content bytes of a tagged page.
    let mut in_artifact = false;
    for item in &page.items {
        if let Item::Fill(f) = item {
            if !in_artifact && tagged {
                c.op("/Artifact BMC\n");
                in_artifact = true;
            }
            if fill != Some(f.color) {
                c.fill(f.color);
                fill = Some(f.color);
            }
            c.num(f.rect.x);
            c.num(h - f.rect.y - f.rect.h);
            c.num(f.rect.w);
            c.num(f.rect.h);
            c.op("re f\n");
        }
    }
    if in_artifact {
        c.op("EMC\n");
    }
    let mut in_text = false;
    let mut open_mc: Option<u32> = None;
    for ((item, mcid), &cont) in page.items.iter().zip(&mcids).zip(&continues) {
        let Item::Text(t) = item else { continue };
        if !in_text {
            c.begin_text();
            in_text = true;
        }
        let artifact = tagged && t.role == Role::Artifact;
        if artifact {
            if open_mc.take().is_some() {
                c.op("EMC\n");
            }
            c.op("/Artifact BMC\n");
        } else if let Some(m) = *mcid
            && open_mc != Some(m)
        {
            if open_mc.take().is_some() {
                c.op("EMC\n");
            }
            c.op("/");
            c.op(mc_tag(t.role, t.link.is_some()));
            c.op("<</MCID ");
            c.int(m);
            c.op(">>BDC\n");
            open_mc = Some(m);
        }
        if fill != Some(t.color) {
            c.fill(t.color);
            fill = Some(t.color);
        }
        if font != Some((t.face, t.size)) {
            c.op(font_name(t.face));
            c.op(" ");
            c.num(t.size);
            c.op("Tf\n");
            font = Some((t.face, t.size));
        }
        c.line_to(t.x, h - t.baseline);
        let map = &glyphs[&t.face];
        if map.one_byte {
            map.one_byte_codes(&mut c.buf, page.str(t), cont);
        } else {
            let space = cont.then(|| map.gid(' '));
            c.glyphs(false, page.str(t).chars().map(|ch| map.gid(ch)).chain(space));
        }
        c.op("Tj\n");
        if artifact {
            c.op("EMC\n");
        }
    }
    if open_mc.is_some() {
        c.op("EMC\n");
    }
    if in_text {
        c.op("ET\n");
    }
    c.buf
}

/// The encoding of a font whose subset has at most 256 glyphs: one byte per code, code = CID
/// (= glyph id, with `/CIDToGIDMap /Identity`). Text then takes half the bytes of Identity-H's
/// two per glyph in every content stream. Its CIDSystemInfo is the CIDFont's (Adobe-Identity),
/// as PDF/UA asks of an embedded CMap.
const ONE_BYTE_CMAP: &[u8] = b"%!PS-Adobe-3.0 Resource-CMap\n\
/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> def\n\
/CMapName /Kaart-OneByte-H def\n/CMapType 1 def\n/WMode 0 def\n\
1 begincodespacerange\n<00> <FF>\nendcodespacerange\n\
1 begincidrange\n<00> <FF> 0\nendcidrange\n\
endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n";

/// Switches the faces whose glyphs all fit in a byte to one-byte codes: their Type0 font gets
/// `ONE_BYTE_CMAP` as encoding and a ToUnicode CMap for those codes.
fn use_one_byte_codes(
    doc: &mut lopdf::Document,
    resources: &lopdf::Object,
    glyphs: &BTreeMap<Face, GlyphMap>,
) -> Result<(), RenderError> {
    let mut cmap: Option<lopdf::ObjectId> = None;
    for (face, map) in glyphs.iter().filter(|(_, m)| m.one_byte) {
        let missing = || RenderError::Font(format!("no font object for {}", font_name(*face)));
        let res = match resources {
            lopdf::Object::Reference(id) => doc.get_dictionary(*id).map_err(|_| missing())?,
            lopdf::Object::Dictionary(d) => d,
            _ => return Err(missing()),
        };
        let font_id = res
            .get(b"Font")
            .and_then(|f| match f {
                lopdf::Object::Reference(id) => doc.get_dictionary(*id),
                other => other.as_dict(),
            })
            .and_then(|f| f.get(&font_name(*face).as_bytes()[1..]))
            .and_then(lopdf::Object::as_reference)
            .map_err(|_| missing())?;
        let encoding = *cmap.get_or_insert_with(|| {
            let stream = lopdf::Stream::new(
                dictionary! {
                    "Type" => "CMap",
                    "CMapName" => "Kaart-OneByte-H",
                    "CIDSystemInfo" => dictionary! {
                        "Registry" => lopdf::Object::string_literal("Adobe"),
                        "Ordering" => lopdf::Object::string_literal("Identity"),
                        "Supplement" => 0,
                    },
                    "WMode" => 0,
                },
                ONE_BYTE_CMAP.to_vec(),
            );
            doc.add_object(stream)
        });
        let font = doc.get_dictionary_mut(font_id).map_err(|_| missing())?;
        font.set("Encoding", encoding);
        // printpdf's ToUnicode (two-byte codes) is replaced where it stands.
        let old = font.get(b"ToUnicode").and_then(lopdf::Object::as_reference).ok();
        let to_unicode = lopdf::Stream::new(lopdf::Dictionary::new(), map.to_unicode());
        match old {
            Some(id) => {
                doc.objects.insert(id, lopdf::Object::Stream(to_unicode));
            }
            None => {
                let id = doc.add_object(to_unicode);
                doc.get_dictionary_mut(font_id).map_err(|_| missing())?.set("ToUnicode", id);
            }
        }
    }
    Ok(())
}

/// Resource names of the faces. Fixed names, never printpdf's process-wide counter.
fn font_id(face: Face) -> FontId {
    FontId(font_name(face)[1..].to_string())
}

fn font_name(face: Face) -> &'static str {
    match face {
        Face::Regular => "/F1",
        Face::Bold => "/F2",
    }
}

/// Renders every page, and drops what only drawing needed (see `Page::drop_drawing`).
pub fn render(layout: &mut Layout) -> Result<Rendered, RenderError> {
    crate::mark("render start");
    let fonts = Fonts::get();

    // Subset each face to the characters it draws: half the pages seen on another core.
    // Per face (in `Face::ALL` order): whether it draws any run, and its characters.
    let seen_in = |pages: &[crate::layout::Page]| {
        let mut seen: [(bool, CharSet); 2] = Default::default();
        for page in pages {
            for item in &page.items {
                if let Item::Text(t) = item {
                    let (drawn, set) = &mut seen[t.face as usize];
                    *drawn = true;
                    set.extend(page.str(t));
                }
            }
        }
        seen
    };
    let (first, second) = layout.pages.split_at(layout.pages.len() / 2);
    let seen: BTreeMap<Face, CharSet> = std::thread::scope(|scope| {
        let other = scope.spawn(|| seen_in(second));
        let mut seen = seen_in(first);
        let other = other.join().expect("internal error: a render thread panicked");
        for ((drawn, set), (other_drawn, other_set)) in seen.iter_mut().zip(&other) {
            *drawn |= other_drawn;
            set.union(other_set);
        }
        Face::ALL.into_iter().zip(seen).filter(|(_, (drawn, _))| *drawn).map(|(f, (_, set))| (f, set)).collect()
    });
    crate::mark("render: chars seen");
    let mut used: BTreeMap<Face, BTreeSet<char>> = seen.into_iter().map(|(f, s)| (f, s.chars())).collect();
    // The space that ends a continued line (see `page_content`).
    for chars in used.values_mut() {
        chars.insert(' ');
    }
    let mut font_map = BTreeMap::new();
    let mut glyphs = BTreeMap::new();
    for (face, chars) in &used {
        let bytes = fonts.face(*face).subset(chars).map_err(RenderError::Font)?;
        let parsed = ParsedFont::from_bytes(&bytes, 0, &mut Vec::new())
            .ok_or_else(|| RenderError::Font("the subset does not parse".into()))?;
        glyphs.insert(*face, GlyphMap::new(&parsed, chars));
        font_map.insert(font_id(*face), PdfFont::new(parsed));
    }

    crate::mark("render: subset");
    let to_mm = |pt: f32| Mm(pt * 25.4 / 72.0);
    let (w, h) = (layout.width, layout.height);
    let opts = PdfSaveOptions { optimize: false, subset_fonts: false, secure: true, image_optimization: None };

    // printpdf writes the document skeleton and the font objects (CIDFontType2 with Identity-H,
    // widths, ToUnicode) from one page that shows every character used. The page itself is
    // dropped: page content is written by `page_content`, with the same glyph ids.
    let mut skeleton = PdfDocument::new(&layout.info.title);
    skeleton.resources.fonts.map = font_map;
    let mut ops = Vec::new();
    for (face, chars) in &used {
        ops.push(Op::StartTextSection);
        ops.push(Op::SetFont { font: PdfFontHandle::External(font_id(*face)), size: Pt(10.0) });
        ops.push(Op::ShowText { items: vec![TextItem::Text(chars.iter().collect())] });
        ops.push(Op::EndTextSection);
    }
    skeleton.pages.push(PdfPage::new(to_mm(w), to_mm(h), ops));
    let mut doc = printpdf::serialize::to_lopdf_doc(&skeleton, &opts, &mut Vec::new());
    drop(skeleton);

    let fake_page = *doc.get_pages().values().next().ok_or_else(|| RenderError::Font("no page".into()))?;
    let resources = doc
        .get_dictionary(fake_page)
        .ok()
        .and_then(|p| p.get(b"Resources").ok().cloned())
        .ok_or_else(|| RenderError::Font("no page resources".into()))?;
    let pages_id = doc
        .get_dictionary(fake_page)
        .ok()
        .and_then(|p| p.get(b"Parent").ok()?.as_reference().ok())
        .ok_or_else(|| RenderError::Font("no page tree".into()))?;
    if let Ok(lopdf::Object::Reference(contents)) =
        doc.get_dictionary(fake_page).and_then(|p| p.get(b"Contents")).cloned()
    {
        doc.objects.remove(&contents);
    }
    doc.objects.remove(&fake_page);

    use_one_byte_codes(&mut doc, &resources, &glyphs)?;

    crate::mark("render: skeleton");
    // The pages' content streams, compressed, on every core. Pages are dealt out in fixed
    // chunks and put back in order, so the output does not depend on the number of threads.
    // Each page's text and fills are dropped once drawn: structure needs only where text
    // stands and what it is, and a kaart of 10,000 interventions holds a few hundred MB of text.
    const CHUNK: usize = 32;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    let tagged = layout.tagged;
    let mut dealt: Vec<Vec<(usize, &mut [crate::layout::Page])>> = (0..threads).map(|_| Vec::new()).collect();
    for (i, chunk) in layout.pages.chunks_mut(CHUNK).enumerate() {
        dealt[i % threads].push((i, chunk));
    }
    let streams: Vec<Vec<Vec<u8>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = dealt
            .into_iter()
            .map(|chunks| {
                let glyphs = &glyphs;
                scope.spawn(move || {
                    let mut z = Deflater::for_content();
                    let mut out = Vec::new();
                    for (i, chunk) in chunks {
                        let contents = chunk
                            .iter_mut()
                            .map(|page| {
                                let content = z.deflate(&page_content(page, h, tagged, glyphs));
                                page.drop_drawing();
                                content
                            })
                            .collect::<Vec<_>>();
                        out.push((i, contents));
                    }
                    out
                })
            })
            .collect();
        let mut all: Vec<(usize, Vec<Vec<u8>>)> =
            handles.into_iter().flat_map(|h| h.join().expect("internal error: a render thread panicked")).collect();
        all.sort_by_key(|(i, _)| *i);
        all.into_iter().map(|(_, c)| c).collect()
    });

    crate::mark("render: content");
    // Page objects in layout order, all sharing the skeleton's resources.
    let resources_id = match resources {
        lopdf::Object::Reference(id) => id,
        other => doc.add_object(other),
    };
    let mut page_ids = Vec::with_capacity(layout.pages.len());
    let mut contents = Vec::with_capacity(layout.pages.len());
    for content in streams.into_iter().flatten() {
        let mut stream = lopdf::Stream::new(lopdf::Dictionary::new(), content);
        stream.dict.set("Filter", "FlateDecode");
        contents.push(doc.add_object(stream));
        page_ids.push(doc.new_object_id());
    }
    let kids: Vec<lopdf::Object> = page_ids.iter().map(|&id| id.into()).collect();
    if let Ok(pages) = doc.get_dictionary_mut(pages_id) {
        pages.set("Kids", kids);
        pages.set("Count", page_ids.len() as i64);
    }
    let pages = PageObjects { parent: pages_id, resources: resources_id, width: w, height: h, contents };
    Ok(Rendered { doc, page_ids, pages })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{Fill, Page, Rect, TextRun};

    fn run(page: &mut Page, text: &str, baseline: f32, role: Role, block: u32) {
        let text = page.add_text(text);
        page.items.push(Item::Text(TextRun {
            x: 10.0,
            baseline,
            size: 9.5,
            face: Face::Regular,
            color: Rgb(0, 0, 0),
            text,
            w: 0.0,
            role,
            block,
            link: None,
        }));
    }

    fn content(page: &Page, tagged: bool) -> String {
        let chars: BTreeSet<char> = "ab ()\\".chars().collect();
        let font = &Fonts::get().face(Face::Regular).parsed;
        let map = GlyphMap::new(font, &chars);
        assert!(map.one_byte, "these glyphs of the full face have ids below 256");
        let glyphs = BTreeMap::from([(Face::Regular, map)]);
        // Glyph ids of the full face as chars, one per byte: lengths stay byte lengths.
        page_content(page, 100.0, tagged, &glyphs).into_iter().map(char::from).collect()
    }

    #[test]
    fn marked_content_nests_and_continued_lines_end_in_a_space() {
        let mut page = Page {
            label: "2".into(),
            part: 0,
            items: vec![Item::Fill(Fill { rect: Rect { x: 0.0, y: 0.0, w: 50.0, h: 10.5 }, color: Rgb(255, 128, 0) })],
            text: String::new(),
        };
        run(&mut page, "a", 20.0, Role::Paragraph, 1);
        run(&mut page, "b", 30.0, Role::Paragraph, 1);
        run(&mut page, "ab", 90.0, Role::Artifact, 2);
        let s = content(&page, true);
        assert!(s.starts_with("/Artifact BMC\n1 0.502 0 rg\n0 89.5 50 10.5 re f\nEMC\nBT\n/P<</MCID 0>>BDC\n"), "{s}");
        assert_eq!(s.matches("BDC").count() + s.matches("BMC").count(), s.matches("EMC").count());
        assert_eq!(s.matches("MCID").count(), 1, "two lines of one paragraph are one sequence");
        // Lines placed relative to the one before: from the origin, then 10 pt down.
        assert!(s.contains("BDC\n0 0 0 rg\n/F1 9.5 Tf\n10 80 Td ("), "{s}");
        assert!(s.contains("Tj\n0 -10 Td ("), "{s}");
        assert!(s.ends_with("Tj\nEMC\nET\n"), "the footer is an artifact inside the text object: {s}");
        // "a" continues into "b": its string has one more glyph (the space) than "b"'s.
        let len = |k: usize| {
            let tail = s.split("Td ").nth(k).unwrap();
            tail.find(")Tj").unwrap()
        };
        assert_eq!(len(1), len(2) + 1, "one byte per glyph: {s}");

        let untagged = content(&page, false);
        assert!(!untagged.contains("BDC") && !untagged.contains("BMC") && !untagged.contains("EMC"));
    }

    #[test]
    fn char_sets_hold_every_character_once() {
        let texts = ["Café € 25, ‘één’ – 𝔸 ok", "plain ASCII", "", "ë", "naïef 🙂 einde"];
        let mut set = CharSet::default();
        for t in texts {
            set.extend(t);
        }
        let want: BTreeSet<char> = texts.iter().flat_map(|t| t.chars()).collect();
        assert_eq!(set.chars(), want);
    }

    #[test]
    fn glyph_strings_escape_delimiters() {
        let mut c = Content { buf: Vec::new(), line: None };
        c.glyphs(false, [0x0028, 0x5C0D, 0x0A29].into_iter());
        assert_eq!(c.buf, b"(\0\\(\\\\\\r\\n\\))".to_vec());
        let mut c = Content { buf: Vec::new(), line: None };
        c.glyphs(true, [0x0028, 0x0041, 0x005C].into_iter());
        assert_eq!(c.buf, b"(\\(A\\\\)".to_vec());
    }
}
