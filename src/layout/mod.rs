//! layout: a validated catalogue -> pages of positioned, semantically labelled boxes.
//! Knows no PDF objects: links stay abstract `Target`s and named destinations stay names until
//! the structure stage. Coordinates are points from the top-left corner of the page.

mod cover;
mod detail;
mod index;
pub mod text;
mod untangle;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::fonts::{Face, Fonts};
use crate::model::{Date, Intervention, Rgb};
use crate::validate::Catalogue;
use std::num::NonZeroU32;
use std::sync::Arc;

use text::{Line, Para, paragraphs, wrap};

/// The paper the kaart is laid out on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Paper {
    #[default]
    A4Landscape,
    A4Portrait,
}

#[derive(Debug, Clone, Default)]
pub struct LayoutOptions {
    pub paper: Paper,
    /// Stable document identity (from the input's fingerprint), for the PDF `/ID`.
    pub ident: [u8; 16],
    /// Leave out marked content and the structure tree (only to measure what tagging costs).
    pub untagged: bool,
}

/// The laid-out kaart.
#[derive(Debug, Clone)]
pub struct Layout {
    pub width: f32,
    pub height: f32,
    pub pages: Vec<Page>,
    /// The parts a reader sees (cover, an index, an intervention), in page order.
    pub parts: Vec<Part>,
    /// Named destinations: `start`, `a-z`, `domein-<id>`, … and every intervention id.
    pub dests: BTreeMap<String, Anchor>,
    pub outline: Vec<OutlineItem>,
    pub info: DocInfo,
    /// Whether render and structure tag the PDF (PDF/UA): always, except when measuring.
    pub tagged: bool,
}

/// Document metadata for the catalog, Info dictionary and XMP.
#[derive(Debug, Clone)]
pub struct DocInfo {
    pub title: String,
    pub author: Option<String>,
    pub subject: Option<String>,
    pub keywords: Vec<String>,
    pub lang: String,
    pub date: Date,
    pub ident: [u8; 16],
}

/// One page: its label (as the viewer shows it) and what is on it, in reading order.
#[derive(Debug, Clone)]
pub struct Page {
    pub label: String,
    pub part: usize,
    pub items: Vec<Item>,
    /// The text of the page's runs, one after another (each run holds its `Span`): one buffer a
    /// page instead of an allocation a line (3 million lines at 10,000 interventions).
    pub text: String,
}

impl Page {
    /// Drops what only drawing the page needs, once render has drawn it: the fills, and the
    /// text of every run (each keeps its place, role, block and link, all structure needs).
    /// A kaart of 10,000 interventions holds 120 MB of text.
    ///
    /// Of each marked-content sequence only the first run stays: the structure needs one run to
    /// know a sequence's block, role and link, and `mcids` gives the ones that stay the same ids
    /// as before (a run that stays is never one that continued the one before it, and
    /// artifacts, which break sequences, stay).
    pub fn drop_drawing(&mut self) {
        let mut prev = None;
        self.items.retain_mut(|item| match item {
            Item::Fill(_) => false,
            Item::Link(_) => true,
            Item::Text(t) => {
                let key = t.sequence();
                let continues = key.is_some() && key == prev;
                prev = key;
                t.text = Span::EMPTY;
                !continues
            }
        });
        self.items.shrink_to_fit();
        self.text = String::new();
    }

    /// The text of `run`, one of this page's.
    pub fn str(&self, run: &TextRun) -> &str {
        let Span { start, len } = run.text;
        &self.text[start as usize..(start + len) as usize]
    }

    /// Adds `text` to the page's text, for a run of this page.
    pub fn add_text(&mut self, text: &str) -> Span {
        let start = u32::try_from(self.text.len()).expect("a page holds less than 4 GB of text");
        self.text.push_str(text);
        Span { start, len: text.len() as u32 }
    }

    /// The marked-content id (MCID) of each item, `None` for what is not tagged content. One id
    /// covers consecutive lines of the same block, link and role, so a paragraph is one sequence
    /// per page; footer text in between starts a new one. Render marks the content
    /// stream with these ids and structure builds the parent tree from the same list.
    pub fn mcids(&self) -> Vec<Option<u32>> {
        let mut out = Vec::with_capacity(self.items.len());
        let mut next = 0u32;
        let mut prev = None;
        for item in &self.items {
            match item {
                Item::Text(t) => {
                    let key = t.sequence();
                    out.push(match key {
                        None => None,
                        Some(_) if key == prev => Some(next - 1),
                        Some(_) => {
                            next += 1;
                            Some(next - 1)
                        }
                    });
                    prev = key;
                }
                // A link area draws nothing, and render draws every fill before the text: neither
                // interrupts the text around it.
                Item::Link(_) | Item::Fill(_) => out.push(None),
            }
        }
        out
    }
}

impl TextRun {
    /// What a marked-content sequence shares (see `Page::mcids`): block, link and role; `None`
    /// for an artifact, which ends a sequence.
    fn sequence(&self) -> Option<(u32, Option<NonZeroU32>, Role)> {
        (self.role != Role::Artifact).then_some((self.block, self.link, self.role))
    }
}

/// A part of the document, which the structure stage can turn into a section.
#[derive(Debug, Clone)]
pub struct Part {
    pub title: String,
}

#[derive(Debug, Clone)]
pub enum Item {
    Text(TextRun),
    Fill(Fill),
    /// Boxed: links are few, and as large as a text run; a kaart has millions of items.
    Link(Box<LinkArea>),
}

/// One line of text in one face and size.
#[derive(Debug, Clone)]
pub struct TextRun {
    pub x: f32,
    /// Baseline, from the top of the page.
    pub baseline: f32,
    pub size: f32,
    pub face: Face,
    pub color: Rgb,
    /// Where its text is in the page's (`Page::str`).
    pub text: Span,
    /// The text's advance width in points, measured once when it is placed.
    pub w: f32,
    pub role: Role,
    /// Lines of one paragraph, heading or entry share a block id.
    pub block: u32,
    /// The link (its `LinkArea::id`, never 0) this text is the visible part of.
    pub link: Option<NonZeroU32>,
}

/// A run's text: a range of bytes of its page's `text`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: u32,
    pub len: u32,
}

impl Span {
    pub const EMPTY: Span = Span { start: 0, len: 0 };

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// A filled rectangle: backgrounds, tiles, chips, rules. Always decoration.
#[derive(Debug, Clone)]
pub struct Fill {
    pub rect: Rect,
    pub color: Rgb,
}

/// A clickable area.
#[derive(Debug, Clone)]
pub struct LinkArea {
    pub id: u32,
    pub rect: Rect,
    pub target: Target,
    /// What the link does, for `/Contents` ("Naar het domein Wonen"). Shared: the navigation
    /// bar's links are the same on every page.
    pub alt: Arc<str>,
    pub block: u32,
}

/// Where a link goes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Target {
    /// A named destination in this document (shared, as `LinkArea::alt`).
    Dest(Arc<str>),
    /// A page of this document by index (continuation pages have no name).
    Page(usize),
    /// http, https, mailto or tel.
    Url(String),
}

/// What a piece of text is, so tagging can build a structure tree without redoing layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Heading(u8),
    Paragraph,
    ListLabel,
    ListBody,
    /// An entry of an index (name, summary, chips, page number).
    IndexEntry,
    /// A domain tile or target-group chip on the cover, or a chip on a page.
    Chip,
    /// The navigation bar.
    Nav,
    /// Page furniture: footer, page numbers of the footer.
    Artifact,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f32,
    /// Top edge, from the top of the page.
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

/// A named destination's place: page index and the y of its top.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Anchor {
    pub page: usize,
    pub top: f32,
}

#[derive(Debug, Clone)]
pub struct OutlineItem {
    pub title: String,
    pub dest: String,
    pub children: Vec<OutlineItem>,
}

/// The layout can fail only on a bug (an anchor without a page), never on valid data.
#[derive(Debug)]
pub enum LayoutError {
    MissingDestination(String),
}

impl std::fmt::Display for LayoutError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LayoutError::MissingDestination(d) => {
                write!(f, "internal error: link to unknown destination \"{d}\"; please report this")
            }
        }
    }
}

impl std::error::Error for LayoutError {}

// Colours: body text and links keep at least 7:1 and 4.5:1 on white.
pub(crate) const INK: Rgb = Rgb(0x1A, 0x1A, 0x1A);
pub(crate) const MUTED: Rgb = Rgb(0x4A, 0x4F, 0x55);
pub(crate) const LINK: Rgb = Rgb(0x0B, 0x5C, 0xAD);
pub(crate) const RULE: Rgb = Rgb(0xD5, 0xDA, 0xE0);
pub(crate) const NEUTRAL: Rgb = Rgb(0x2F, 0x3B, 0x48);
pub(crate) const CHIP: Rgb = Rgb(0xE8, 0xEC, 0xF0);
pub(crate) const KADER: Rgb = Rgb(0xFC, 0xEF, 0xC7);
pub(crate) const ERKENNING: Rgb = Rgb(0xDF, 0xF0, 0xE2);
pub(crate) const WHITE: Rgb = Rgb(0xFF, 0xFF, 0xFF);
pub(crate) const BLACK: Rgb = Rgb(0, 0, 0);

/// WCAG 2.1 relative luminance.
pub fn luminance(c: Rgb) -> f32 {
    let ch = |v: u8| {
        let s = f32::from(v) / 255.0;
        if s <= 0.040_45 { s / 12.92 } else { ((s + 0.055) / 1.055).powf(2.4) }
    };
    0.2126 * ch(c.0) + 0.7152 * ch(c.1) + 0.0722 * ch(c.2)
}

/// WCAG 2.1 contrast ratio of two colours.
pub fn contrast(a: Rgb, b: Rgb) -> f32 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// White when it reads well on `bg` (4.5:1), else black, which then always does.
pub fn text_on(bg: Rgb) -> Rgb {
    if contrast(WHITE, bg) >= 4.5 { WHITE } else { BLACK }
}

/// `c` when it reads on white (4.5:1), else a darkened version of it that does.
pub fn readable_on_white(c: Rgb) -> Rgb {
    let mut c = c;
    for _ in 0..20 {
        if contrast(c, WHITE) >= 4.5 {
            return c;
        }
        c = Rgb((f32::from(c.0) * 0.85) as u8, (f32::from(c.1) * 0.85) as u8, (f32::from(c.2) * 0.85) as u8);
    }
    INK
}

/// A chip to lay out: label, fill colour, and where it links to (with the link's description).
pub(crate) type ChipSpec = (String, Rgb, Option<(Target, String)>);

/// A text style.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    pub face: Face,
    pub size: f32,
    pub color: Rgb,
    /// Distance between baselines.
    pub leading: f32,
}

impl Style {
    pub const fn new(face: Face, size: f32, color: Rgb) -> Style {
        Style { face, size, color, leading: size * 1.38 }
    }
    pub const fn lead(mut self, leading: f32) -> Style {
        self.leading = leading;
        self
    }
    pub const fn color(mut self, color: Rgb) -> Style {
        self.color = color;
        self
    }
    /// Distance from the top of a line box to its baseline.
    pub fn ascent(&self) -> f32 {
        self.size * 0.93 + (self.leading - self.size * 1.2).max(0.0) / 2.0
    }
}

pub(crate) const BODY: Style = Style::new(Face::Regular, 9.5, INK).lead(13.4);
pub(crate) const SMALL: Style = Style::new(Face::Regular, 8.0, MUTED).lead(11.0);
const FOOTER_SIZE: f32 = 7.5;
pub(crate) const LABEL: Style = Style::new(Face::Bold, 10.5, INK).lead(14.0);

/// Page geometry, in points.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Geometry {
    pub width: f32,
    pub height: f32,
    pub margin: f32,
    /// First y below the navigation bar.
    pub content_top: f32,
    /// Last y above the footer.
    pub content_bottom: f32,
    /// Text columns on index and detail pages.
    pub columns: usize,
}

impl Geometry {
    pub fn content_width(&self) -> f32 {
        self.width - 2.0 * self.margin
    }
    /// `(x, width)` of each text column.
    pub fn column_boxes(&self, n: usize, gutter: f32) -> Vec<(f32, f32)> {
        let n = n.max(1);
        let w = (self.content_width() - gutter * (n - 1) as f32) / n as f32;
        (0..n).map(|i| (self.margin + i as f32 * (w + gutter), w)).collect()
    }
}

/// One button of the navigation bar, laid out once for every page.
#[derive(Debug, Clone)]
struct NavButton {
    rect: Rect,
    label: Arc<str>,
    size: f32,
    fill: Rgb,
    ink: Rgb,
    target: Target,
    alt: Arc<str>,
}

/// A page-number text to fill in once every destination has its page.
#[derive(Debug, Clone)]
struct Fixup {
    page: usize,
    item: usize,
    dest: String,
    right: f32,
}

/// A text that names a page number, filled in when the page numbers are final: a builder for
/// part of the document numbers its pages from 0 until it is merged (see `Builder::merge`).
#[derive(Debug, Clone, Copy)]
enum LabelText {
    /// "Vervolg op pagina N ›", right-aligned at `right`, with its link.
    Next,
    /// "‹ vervolg van pagina N", from the left, with its link.
    Back,
}

/// The text run at `item` on `page`, whose link is the item just before it.
#[derive(Debug, Clone, Copy)]
struct LabelFixup {
    page: usize,
    item: usize,
    /// The page whose label the text names.
    of: usize,
    kind: LabelText,
}

/// Builds pages: owns the page list, the destinations and the running ids.
pub(crate) struct Builder<'a> {
    pub cat: &'a Catalogue,
    pub fonts: &'static Fonts,
    pub geo: Geometry,
    pub pages: Vec<Page>,
    pub parts: Vec<Part>,
    pub dests: BTreeMap<String, Anchor>,
    nav: Vec<NavButton>,
    next_block: u32,
    next_link: u32,
    fixups: Vec<Fixup>,
    label_fixups: Vec<LabelFixup>,
    /// Page 0 of this builder is the cover (no navigation bar or footer); false for a builder
    /// of a later part of the document (`fork`).
    has_cover: bool,
}

impl<'a> Builder<'a> {
    fn new(cat: &'a Catalogue, paper: Paper) -> Builder<'a> {
        let (width, height) = match paper {
            Paper::A4Landscape => (841.89, 595.28),
            Paper::A4Portrait => (595.28, 841.89),
        };
        let margin = 34.0;
        let mut b = Builder {
            cat,
            fonts: Fonts::get(),
            geo: Geometry {
                width,
                height,
                margin,
                content_top: 0.0,
                content_bottom: height - 50.0,
                columns: if width > height { 2 } else { 1 },
            },
            pages: Vec::new(),
            parts: Vec::new(),
            dests: BTreeMap::new(),
            nav: Vec::new(),
            next_block: 0,
            next_link: 0,
            fixups: Vec::new(),
            label_fixups: Vec::new(),
            has_cover: true,
        };
        b.layout_nav();
        b
    }

    /// Lays out the navigation bar: Start, one tab per domain, Doelgroepen, A-Z. Shrinks the
    /// type a little when it does not fit on one row, then wraps to more rows.
    fn layout_nav(&mut self) {
        let mut specs: Vec<(String, Rgb, Target, String)> =
            vec![("Start".into(), NEUTRAL, Target::Dest("start".into()), "Naar de omslag met alle domeinen".into())];
        for d in &self.cat.kaart.domains {
            specs.push((
                d.name.clone(),
                d.color,
                Target::Dest(format!("domein-{}", d.id).into()),
                format!("Naar het domein {}", d.name),
            ));
        }
        specs.push((
            "Doelgroepen".into(),
            NEUTRAL,
            Target::Dest("doelgroepen".into()),
            "Naar het overzicht van doelgroepen".into(),
        ));
        specs.push(("A-Z".into(), NEUTRAL, Target::Dest("a-z".into()), "Naar de index van A tot Z".into()));
        let avail = self.geo.content_width();
        let (gap, pad, row_h) = (3.0, 6.0, 17.0);
        let n = specs.len();
        let widths = |size: f32| -> Vec<f32> {
            specs.iter().map(|s| self.fonts.width(Face::Bold, &s.0, size).min(avail - 2.0 * pad) + 2.0 * pad).collect()
        };
        let row_w = |ws: &[f32]| ws.iter().sum::<f32>() + gap * (ws.len() - 1) as f32;
        let mut size = 8.0;
        while size > 6.5 && row_w(&widths(size)) > avail {
            size -= 0.5;
        }
        let ws = widths(size);
        // One row when the buttons fit, spread over the width when they nearly fill it. Else a
        // grid of equal columns, filled row by row: poppler (`pdftotext`) reads aligned cells
        // as a table, row after row, where rows of buttons of their own widths were read down
        // and across, row 2's first button between row 1's second and third.
        let mut cells: Vec<Rect> = Vec::with_capacity(n);
        let mut label_size = size;
        let total = row_w(&ws);
        if total <= avail + 0.01 {
            let extra = if total > avail * 0.8 { (avail - total) / n as f32 } else { 0.0 };
            let mut x = self.geo.margin;
            for w in &ws {
                cells.push(Rect { x, y: 0.0, w: w + extra, h: row_h });
                x += w + extra + gap;
            }
        } else {
            // As many rows as the buttons need side by side, or one more; a label that fits
            // neither is shortened (the link's description keeps the whole name).
            let fewest = (total / avail).ceil().max(2.0) as usize;
            let widest = |size: f32| widths(size).into_iter().fold(0.0, f32::max);
            let mut rows = fewest;
            let (cols, cell_w) = loop {
                let cols = n.div_ceil(rows);
                let cell_w = (avail - gap * (cols - 1) as f32) / cols as f32;
                label_size = 8.0;
                while label_size > 6.5 && widest(label_size) > cell_w {
                    label_size -= 0.5;
                }
                if widest(label_size) <= cell_w || cols == 1 || rows > fewest {
                    break (cols, cell_w);
                }
                rows += 1;
            };
            for i in 0..n {
                let (r, c) = (i / cols, i % cols);
                let x = self.geo.margin + c as f32 * (cell_w + gap);
                cells.push(Rect { x, y: r as f32 * (row_h + gap), w: cell_w, h: row_h });
            }
        }
        let top = 14.0;
        for (s, mut rect) in specs.iter().zip(cells) {
            rect.y += top;
            let label = fit_line(self.fonts, Face::Bold, label_size, &s.0, rect.w - 2.0 * pad);
            self.nav.push(NavButton {
                rect,
                label: label.into(),
                size: label_size,
                fill: s.1,
                ink: text_on(s.1),
                target: s.2.clone(),
                alt: s.3.as_str().into(),
            });
        }
        let last_row = self.nav.last().map_or(top, |b| b.rect.y);
        self.geo.content_top = last_row + row_h + 16.0;
    }

    pub fn block(&mut self) -> u32 {
        self.next_block += 1;
        self.next_block
    }

    /// Starts a new part (a section for tagging) and returns its index.
    pub fn part(&mut self, title: impl Into<String>) -> usize {
        self.parts.push(Part { title: title.into() });
        self.parts.len() - 1
    }

    /// A new page with navigation bar and footer (none on the cover, page 0).
    pub fn new_page(&mut self, part: usize) -> usize {
        let index = self.pages.len();
        let label = page_label(index);
        self.pages.push(Page { label, part, items: Vec::new(), text: String::new() });
        if index > 0 || !self.has_cover {
            self.chrome(index);
        }
        index
    }

    fn chrome(&mut self, page: usize) {
        // The bar's texts are shared by every page rather than copied.
        for i in 0..self.nav.len() {
            let b = self.nav[i].clone();
            let block = self.block();
            let st = Style::new(Face::Bold, b.size, b.ink);
            self.shared_button(page, b.rect, b.label, st, b.fill, Some((b.target, b.alt)), block);
        }
    }

    /// Footers: title and version left, page label right. Decoration for tagging. Drawn last on
    /// each page, once the page numbers are final, so text extraction in content order (pdf.js,
    /// `pdftotext -raw`) meets them at the end of the page, where a reader does.
    fn footers(&mut self) {
        let left = self.footer_title();
        let st = Style::new(Face::Regular, FOOTER_SIZE, MUTED);
        let y = self.footer_baseline();
        for page in 1..self.pages.len() {
            let right = format!("pagina {}", page_label(page));
            let rw = self.fonts.width(Face::Regular, &right, FOOTER_SIZE);
            let left = fit_line(self.fonts, Face::Regular, FOOTER_SIZE, &left, self.geo.content_width() - rw - 20.0);
            self.fill(page, Rect { x: self.geo.margin, y: y - 11.0, w: self.geo.content_width(), h: 0.6 }, RULE);
            self.text_run(page, self.geo.margin, y, st, &left, Role::Artifact, 0, None);
            self.text_run(page, self.geo.width - self.geo.margin - rw, y, st, &right, Role::Artifact, 0, None);
        }
    }

    fn footer_title(&self) -> String {
        let k = &self.cat.kaart;
        match &k.version {
            Some(v) => format!("{} · versie {v}", k.title),
            None => k.title.clone(),
        }
    }

    fn footer_baseline(&self) -> f32 {
        self.geo.height - 20.0
    }

    /// Where the footer's texts will stand, `(x0, x1, baseline, size)`, before page numbers are
    /// known (a four-digit one is assumed).
    pub(crate) fn footer_boxes(&self) -> Vec<(f32, f32, f32, f32)> {
        let (size, y, g) = (FOOTER_SIZE, self.footer_baseline(), self.geo);
        let rw = self.fonts.width(Face::Regular, "pagina 0000", size);
        let left = fit_line(self.fonts, Face::Regular, size, &self.footer_title(), g.content_width() - rw - 20.0);
        let lw = self.fonts.width(Face::Regular, &left, size);
        let right = g.width - g.margin;
        vec![(g.margin, g.margin + lw, y, size), (right - rw, right, y, size)]
    }

    /// A text run whose text a fixup fills in later; returns its item index.
    #[allow(clippy::too_many_arguments)]
    fn pending_text(
        &mut self,
        page: usize,
        x: f32,
        baseline: f32,
        st: Style,
        role: Role,
        block: u32,
        link: Option<u32>,
    ) -> usize {
        let items = &mut self.pages[page].items;
        items.push(Item::Text(TextRun {
            x,
            baseline,
            size: st.size,
            face: st.face,
            color: st.color,
            text: Span::EMPTY,
            w: 0.0,
            role,
            block,
            link: link.and_then(NonZeroU32::new),
        }));
        items.len() - 1
    }

    /// An empty builder for a later part of the document, laid out on its own (on another
    /// thread) and then appended with `merge`.
    fn fork(&self) -> Builder<'a> {
        Builder {
            cat: self.cat,
            fonts: self.fonts,
            geo: self.geo,
            pages: Vec::new(),
            parts: Vec::new(),
            dests: BTreeMap::new(),
            nav: self.nav.clone(),
            next_block: 0,
            next_link: 0,
            fixups: Vec::new(),
            label_fixups: Vec::new(),
            has_cover: false,
        }
    }

    /// Appends what a `fork` laid out: its pages, parts, blocks and links are renumbered to
    /// follow ours, exactly as if it had been laid out here.
    fn merge(&mut self, other: Builder<'a>) {
        let (pages, parts, blocks, links) = (self.pages.len(), self.parts.len(), self.next_block, self.next_link);
        for mut page in other.pages {
            page.part += parts;
            page.label = page_label(self.pages.len());
            for item in &mut page.items {
                match item {
                    Item::Text(t) => {
                        if t.block != 0 {
                            t.block += blocks;
                        }
                        if let Some(l) = &mut t.link {
                            *l = l.saturating_add(links);
                        }
                    }
                    Item::Link(l) => {
                        l.id += links;
                        if l.block != 0 {
                            l.block += blocks;
                        }
                        if let Target::Page(p) = &mut l.target {
                            *p += pages;
                        }
                    }
                    Item::Fill(_) => {}
                }
            }
            self.pages.push(page);
        }
        self.parts.extend(other.parts);
        for (name, mut anchor) in other.dests {
            anchor.page += pages;
            self.dests.entry(name).or_insert(anchor);
        }
        self.next_block += other.next_block;
        self.next_link += other.next_link;
        self.fixups.extend(other.fixups.into_iter().map(|f| Fixup { page: f.page + pages, ..f }));
        self.label_fixups.extend(other.label_fixups.into_iter().map(|f| LabelFixup {
            page: f.page + pages,
            of: f.of + pages,
            ..f
        }));
    }

    /// A link whose text names page `of`'s number, filled in by `resolve_labels`: "Vervolg op
    /// pagina N ›" ending at `x`, or "‹ vervolg van pagina N" starting at `x`.
    fn page_label_link(&mut self, page: usize, x: f32, top: f32, st: Style, of: usize, kind: LabelText) {
        let block = self.block();
        let link = self.link(page, Rect { x, y: top, w: 0.0, h: st.leading }, Target::Page(of), "", block);
        let item = self.pending_text(page, x, top + st.ascent(), st, Role::Paragraph, block, Some(link));
        self.label_fixups.push(LabelFixup { page, item, of, kind });
    }

    /// Fills in the texts that name page numbers, now that they are final.
    fn resolve_labels(&mut self) {
        for f in std::mem::take(&mut self.label_fixups) {
            let label = page_label(f.of);
            let (text, alt) = match f.kind {
                LabelText::Next => (format!("Vervolg op pagina {label} ›"), format!("Naar pagina {label}, vervolg")),
                LabelText::Back => (format!("‹ vervolg van pagina {label}"), format!("Terug naar pagina {label}")),
            };
            let page = &mut self.pages[f.page];
            let span = page.add_text(&text);
            let [Item::Link(l), Item::Text(t)] = &mut page.items[f.item - 1..=f.item] else { continue };
            let w = self.fonts.width(t.face, &text, t.size);
            if let LabelText::Next = f.kind {
                t.x -= w; // it stood at the right edge
            }
            t.text = span;
            t.w = w;
            l.rect.x = t.x;
            l.rect.w = w;
            l.alt = alt.into();
        }
    }

    pub fn fill(&mut self, page: usize, rect: Rect, color: Rgb) {
        self.pages[page].items.push(Item::Fill(Fill { rect, color }));
    }

    /// A coloured surface (band, tile, tab, chip). An editor may pick a colour close to white;
    /// then a thin outline keeps the surface visible on the white page.
    pub fn panel(&mut self, page: usize, r: Rect, color: Rgb) {
        self.fill(page, r, color);
        if contrast(color, WHITE) < 1.1 {
            let t = 0.75;
            for edge in [
                Rect { x: r.x, y: r.y, w: r.w, h: t },
                Rect { x: r.x, y: r.y + r.h - t, w: r.w, h: t },
                Rect { x: r.x, y: r.y, w: t, h: r.h },
                Rect { x: r.x + r.w - t, y: r.y, w: t, h: r.h },
            ] {
                self.fill(page, edge, RULE);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub fn text_run(
        &mut self,
        page: usize,
        x: f32,
        baseline: f32,
        st: Style,
        text: &str,
        role: Role,
        block: u32,
        link: Option<u32>,
    ) {
        if text.is_empty() {
            return;
        }
        let w = self.fonts.width(st.face, text, st.size);
        self.push_text(page, x, baseline, st, (text, w), role, block, link);
    }

    /// `text_run` for a line of `wrap` in the same style: its text and width are the line's.
    #[allow(clippy::too_many_arguments)]
    pub fn text_line(
        &mut self,
        page: usize,
        x: f32,
        baseline: f32,
        st: Style,
        line: &Line,
        role: Role,
        block: u32,
        link: Option<u32>,
    ) {
        if line.text.is_empty() {
            return;
        }
        self.push_text(page, x, baseline, st, (&line.text, line.w), role, block, link);
    }

    #[allow(clippy::too_many_arguments)]
    fn push_text(
        &mut self,
        page: usize,
        x: f32,
        baseline: f32,
        st: Style,
        (text, w): (&str, f32),
        role: Role,
        block: u32,
        link: Option<u32>,
    ) {
        let page = &mut self.pages[page];
        let text = page.add_text(text);
        page.items.push(Item::Text(TextRun {
            x,
            baseline,
            size: st.size,
            face: st.face,
            color: st.color,
            text,
            w,
            role,
            block,
            link: link.and_then(NonZeroU32::new),
        }));
    }

    /// Adds a link area and returns its id.
    pub fn link(&mut self, page: usize, rect: Rect, target: Target, alt: &str, block: u32) -> u32 {
        self.link_shared(page, rect, target, alt.into(), block)
    }

    fn link_shared(&mut self, page: usize, rect: Rect, target: Target, alt: Arc<str>, block: u32) -> u32 {
        self.next_link += 1;
        let id = self.next_link;
        self.pages[page].items.push(Item::Link(Box::new(LinkArea { id, rect, target, alt, block })));
        id
    }

    pub fn dest(&mut self, name: &str, page: usize, top: f32) {
        self.dests.entry(name.to_string()).or_insert(Anchor { page, top });
    }

    /// A "p. N" text right-aligned at `right`, filled in when `dest` has its page.
    #[allow(clippy::too_many_arguments)]
    pub fn page_ref(
        &mut self,
        page: usize,
        right: f32,
        baseline: f32,
        st: Style,
        dest: &str,
        block: u32,
        link: Option<u32>,
    ) {
        let item = self.pending_text(page, right, baseline, st, Role::IndexEntry, block, link);
        self.fixups.push(Fixup { page, item, dest: dest.to_string(), right });
    }

    /// Width a page reference may take ("p. 12345").
    pub fn page_ref_width(&self, st: Style) -> f32 {
        self.fonts.width(st.face, "p. 00000", st.size)
    }

    fn resolve_fixups(&mut self) -> Result<(), LayoutError> {
        for f in std::mem::take(&mut self.fixups) {
            let anchor = self.dests.get(&f.dest).ok_or_else(|| LayoutError::MissingDestination(f.dest.clone()))?;
            let text = format!("p. {}", self.pages[anchor.page].label);
            let page = &mut self.pages[f.page];
            let span = page.add_text(&text);
            if let Item::Text(t) = &mut page.items[f.item] {
                t.w = self.fonts.width(t.face, &text, t.size);
                t.x = f.right - t.w;
                t.text = span;
            }
        }
        Ok(())
    }

    /// Draws wrapped lines of one paragraph at (x, top) within `width`; returns the new top.
    #[allow(clippy::too_many_arguments)]
    pub fn lines(
        &mut self,
        page: usize,
        x: f32,
        top: f32,
        width: f32,
        st: Style,
        text: &str,
        role: Role,
        block: u32,
    ) -> f32 {
        let mut y = top;
        for line in wrap(self.fonts, st.face, st.size, text, width).iter() {
            self.text_line(page, x, y + st.ascent(), st, line, role, block, None);
            y += st.leading;
        }
        y
    }

    /// Height `text` takes when wrapped at `width`.
    pub fn measure(&self, st: Style, text: &str, width: f32) -> f32 {
        wrap(self.fonts, st.face, st.size, text, width).len() as f32 * st.leading
    }

    /// A linked piece of text, wrapped; each line gets its own link area. Returns the new top.
    #[allow(clippy::too_many_arguments)]
    pub fn link_lines(
        &mut self,
        page: usize,
        x: f32,
        top: f32,
        width: f32,
        st: Style,
        text: &str,
        target: &Target,
        alt: &str,
        role: Role,
        block: u32,
    ) -> f32 {
        let mut y = top;
        for line in wrap(self.fonts, st.face, st.size, text, width).iter() {
            let w = line.w;
            let rect = Rect { x, y, w, h: st.leading };
            let link = self.link(page, rect, target.clone(), alt, block);
            self.text_line(page, x, y + st.ascent(), st, line, role, block, Some(link));
            // Underline: links are not told apart by colour alone.
            self.fill(page, Rect { x, y: y + st.ascent() + st.size * 0.15, w, h: 0.5 }, st.color);
            y += st.leading;
        }
        y
    }

    /// A button: a coloured surface with its label centred on one line, and a link over all of it.
    #[allow(clippy::too_many_arguments)]
    pub fn button(
        &mut self,
        page: usize,
        rect: Rect,
        label: &str,
        st: Style,
        fill: Rgb,
        target: Option<(Target, &str)>,
        block: u32,
    ) {
        self.shared_button(page, rect, label.into(), st, fill, target.map(|(t, alt)| (t, alt.into())), block);
    }

    /// `button` with its label and description already shared strings.
    #[allow(clippy::too_many_arguments)]
    fn shared_button(
        &mut self,
        page: usize,
        rect: Rect,
        label: Arc<str>,
        st: Style,
        fill: Rgb,
        target: Option<(Target, Arc<str>)>,
        block: u32,
    ) {
        self.panel(page, rect, fill);
        let link = target.map(|(t, alt)| self.link_shared(page, rect, t, alt, block));
        if label.is_empty() {
            return;
        }
        let w = self.fonts.width(st.face, &label, st.size);
        let baseline = rect.y + rect.h / 2.0 + st.size * 0.35;
        self.push_text(page, rect.x + (rect.w - w) / 2.0, baseline, st, (&label, w), Role::Nav, block, link);
    }

    /// A wrapped, linked name with its page number right-aligned at `right` on the first line.
    /// Each line is one link; the first line's link runs on to the page number, so an index
    /// entry costs one link per line. Returns the new top.
    #[allow(clippy::too_many_arguments)]
    pub fn name_with_page(
        &mut self,
        page: usize,
        x: f32,
        top: f32,
        right: f32,
        lines: &[Line],
        (st, ref_st): (Style, Style),
        id: &str,
        alt: &str,
        role: Role,
        block: u32,
    ) -> f32 {
        let target = Target::Dest(id.to_string().into());
        let mut y = top;
        for (n, line) in lines.iter().enumerate() {
            let w = if n == 0 { right - x } else { line.w };
            let link = self.link(page, Rect { x, y, w, h: st.leading }, target.clone(), alt, block);
            self.text_line(page, x, y + st.ascent(), st, line, role, block, Some(link));
            if n == 0 {
                self.page_ref(page, right, y + st.ascent(), ref_st, id, block, Some(link));
            }
            y += st.leading;
        }
        y
    }

    /// A one-line chip (rounded look by padding) at (x, top); returns its rect.
    #[allow(clippy::too_many_arguments)]
    pub fn chip(
        &mut self,
        page: usize,
        x: f32,
        top: f32,
        label: &str,
        size: f32,
        fill: Rgb,
        target: Option<(Target, String)>,
        block: u32,
    ) -> Rect {
        let (w, h) = self.chip_size(label, size);
        let rect = Rect { x, y: top, w, h };
        self.panel(page, rect, fill);
        let link = target.map(|(t, alt)| self.link(page, rect, t, &alt, block));
        let st = Style::new(Face::Bold, size, text_on(fill));
        let label = fit_line(self.fonts, Face::Bold, size, label, w - size * 1.4);
        self.text_run(page, x + size * 0.7, top + h / 2.0 + size * 0.35, st, &label, Role::Chip, block, link);
        rect
    }

    /// A chip's size: its label on one line, never wider than the narrowest column chips sit in
    /// (an index entry); a longer label ends in an ellipsis, the full name is on its own page.
    pub fn chip_size(&self, label: &str, size: f32) -> (f32, f32) {
        let max = self.geo.column_boxes(self.geo.columns, 28.0)[0].1 - 12.0;
        ((self.fonts.width(Face::Bold, label, size) + size * 1.4).min(max), size * 1.9)
    }
}

/// The label of page `index` (from 0), as footers, page references and viewers show it: the
/// cover is "Omslag", every other page its own place in the file, so the number a reader sees
/// is the number any viewer's page box takes, also Chrome's, which ignores `/PageLabels`.
pub fn page_label(index: usize) -> String {
    if index == 0 { "Omslag".to_string() } else { (index + 1).to_string() }
}

/// A line cut to `max` points, with an ellipsis when cut (only for labels that also exist in full
/// elsewhere, such as navigation tabs and the footer title).
pub(crate) fn fit_line(fonts: &Fonts, face: Face, size: f32, text: &str, max: f32) -> String {
    if fonts.width(face, text, size) <= max + 0.01 {
        return text.to_string();
    }
    let mut s = String::new();
    for c in text.chars() {
        s.push(c);
        if fonts.width(face, &format!("{s}…"), size) > max {
            s.pop();
            break;
        }
    }
    format!("{}…", s.trim_end())
}

/// A column flow: fills columns top to bottom, then continuation pages, keeping headings with
/// what follows. `start_page` and `start_top` are where the first column begins.
pub(crate) struct Flow {
    pub page: usize,
    pub col: usize,
    pub y: f32,
    pub top: f32,
    pub cols: Vec<(f32, f32)>,
    part: usize,
    cont_title: String,
    cont_color: Rgb,
    /// Every page the flow has used, with the top of its columns.
    pub pages: Vec<(usize, f32)>,
    /// Where the first column of the flow's n-th page ends, when it must end above the
    /// content bottom (see `detail::intervention`, balanced last pages).
    pub left_caps: Vec<(usize, f32)>,
    /// Extra space before the flow's n-th unit (a heading, paragraph, table row...), which
    /// keeps poppler from pairing blocks of the two columns as table cells (see `untangle`).
    pub bumps: Vec<(u32, f32)>,
    /// Units begun so far, and for each the first layout block it may use.
    pub units: Vec<u32>,
    /// For each unit, the flow's page (index into `pages`) when it began: moving the unit
    /// changes nothing on the pages before.
    pub unit_pages: Vec<usize>,
    /// Whether units placed in the right column are checked at once (see `settle_unit`).
    pub settle: bool,
    /// The checker of the current page's right column, with its page.
    settler: Option<(usize, untangle::Settler)>,
    /// The unit being placed: its page, column and first item.
    open_unit: Option<(usize, usize, usize)>,
    /// For each unit, how far `settle_unit` moved it (`None`: not checked).
    pub settled: Vec<Option<f32>>,
    /// `settled` of an earlier layout of the same flow, for units it laid out exactly as this
    /// one will (those on pages before the first that a new bump or cap changes): taken over
    /// instead of checked again.
    pub reuse: Vec<Option<f32>>,
}

impl Flow {
    pub fn new(page: usize, top: f32, cols: Vec<(f32, f32)>, part: usize, cont_title: &str, cont_color: Rgb) -> Flow {
        let pages = vec![(page, top)];
        Flow {
            page,
            col: 0,
            y: top,
            top,
            cols,
            part,
            cont_title: cont_title.to_string(),
            cont_color,
            pages,
            left_caps: Vec::new(),
            bumps: Vec::new(),
            units: Vec::new(),
            unit_pages: Vec::new(),
            settle: false,
            settler: None,
            open_unit: None,
            settled: Vec::new(),
            reuse: Vec::new(),
        }
    }

    /// Moves the unit just placed down a little when, standing in the right column, it would
    /// make poppler read the columns as a table (`untangle::Settler`), if it still fits. What is
    /// left, `detail::intervention` finds on the finished pages and lays out again.
    pub fn settle_unit(&mut self, b: &mut Builder) {
        let Some((page, col, mark)) = self.open_unit.take() else { return };
        let n = self.units.len().saturating_sub(1);
        let d = match self.reuse.get(n) {
            Some(&known) => known,
            None => self.check_unit(b, page, col, mark),
        };
        self.settled.resize(n, None);
        self.settled.push(d);
        if let Some(d) = d.filter(|&d| d > 0.0) {
            for item in &mut b.pages[page].items[mark..] {
                match item {
                    Item::Text(t) => t.baseline += d,
                    Item::Link(l) => l.rect.y += d,
                    Item::Fill(f) => f.rect.y += d,
                }
            }
            self.y += d;
        }
    }

    /// How far the unit from item `mark` of `page` must move down (`settle_unit`), if it is
    /// checked at all.
    fn check_unit(&mut self, b: &Builder, page: usize, col: usize, mark: usize) -> Option<f32> {
        let &(right_x, _) = self.cols.get(1)?;
        if !self.settle || col == 0 || page != self.page || col != self.col {
            return None;
        }
        // The footer matters only to the left column's blocks, found once per page.
        let mut cols = untangle::Columns { right_x, top: self.top, bottom: b.geo.content_bottom, footer: Vec::new() };
        if self.settler.as_ref().is_none_or(|(p, _)| *p != page) {
            cols.footer = b.footer_boxes();
            self.settler = Some((page, untangle::Settler::new(&b.pages[page].items[..mark], &cols)));
        }
        let items = &b.pages[page].items[mark..];
        let lowest = items
            .iter()
            .map(|i| match i {
                Item::Text(t) => t.baseline + 0.3 * t.size,
                Item::Link(l) => l.rect.y + l.rect.h,
                Item::Fill(f) => f.rect.y + f.rect.h,
            })
            .fold(self.y, f32::max);
        let room = (self.bottom(b) - lowest).max(0.0);
        let (_, settler) = self.settler.as_mut()?;
        Some(settler.place(items, &cols, room))
    }

    /// Begins the next unit, `h` points high at least: makes room for it and applies its bump.
    pub fn unit(&mut self, b: &mut Builder, h: f32) {
        self.settle_unit(b);
        let n = self.units.len() as u32;
        self.units.push(b.next_block + 1);
        self.unit_pages.push(self.pages.len() - 1);
        self.ensure(b, h);
        if let Some(&(_, d)) = self.bumps.iter().find(|&&(u, _)| u == n) {
            self.y += d;
            if self.y + h > self.bottom(b) {
                self.next_column(b);
            }
        }
        self.open_unit = Some((self.page, self.col, b.pages[self.page].items.len()));
    }

    /// The lowest y the current column may fill.
    pub fn bottom(&self, b: &Builder) -> f32 {
        let n = self.pages.len() - 1;
        match self.left_caps.iter().find(|&&(p, _)| p == n) {
            Some(&(_, cap)) if self.col == 0 && self.cols.len() > 1 => cap.min(b.geo.content_bottom),
            _ => b.geo.content_bottom,
        }
    }

    pub fn x(&self) -> f32 {
        self.cols[self.col].0
    }
    pub fn w(&self) -> f32 {
        self.cols[self.col].1
    }

    /// Makes room for `h` points, moving to the next column or a continuation page.
    pub fn ensure(&mut self, b: &mut Builder, h: f32) {
        if self.y + h <= self.bottom(b) || self.y <= self.top + 0.01 {
            return;
        }
        self.next_column(b);
    }

    pub fn next_column(&mut self, b: &mut Builder) {
        if self.col + 1 < self.cols.len() {
            self.col += 1;
            self.y = self.top;
            return;
        }
        let from = self.page;
        let page = b.new_page(self.part);
        // "Vervolg" link on the page we leave, and a header on the new one.
        let (right, y) = (b.geo.width - b.geo.margin, b.geo.content_bottom + 3.0);
        b.page_label_link(from, right, y, SMALL.color(LINK), page, LabelText::Next);
        let top = continuation_header(b, page, &self.cont_title, self.cont_color, from);
        self.page = page;
        self.col = 0;
        self.top = top;
        self.y = top;
        self.pages.push((page, top));
    }
}

/// The header of a continuation page; returns the first y below it.
pub(crate) fn continuation_header(b: &mut Builder, page: usize, title: &str, color: Rgb, from: usize) -> f32 {
    let top = b.geo.content_top - 6.0;
    let st = Style::new(Face::Bold, 12.0, text_on(color));
    let width = b.geo.content_width() - 24.0;
    let title = format!("{title} (vervolg)");
    let h = b.measure(st, &title, width) + 12.0;
    b.panel(page, Rect { x: b.geo.margin, y: top, w: b.geo.content_width(), h }, color);
    let block = b.block();
    b.lines(page, b.geo.margin + 12.0, top + 6.0, width, st, &title, Role::Heading(2), block);
    let sst = SMALL.color(LINK);
    let y = top + h + 5.0;
    b.page_label_link(page, b.geo.margin, y, sst, from, LabelText::Back);
    y + sst.leading + 8.0
}

/// Lays out a long text field (paragraphs and bullets) into a flow.
pub(crate) fn flow_text(b: &mut Builder, flow: &mut Flow, text: &str, st: Style) {
    flow_paragraphs(b, flow, &Paragraphs::new(paragraphs(text)), st);
}

/// A text's paragraphs, with the lines each was last broken into (and at what width): made
/// once for all passes of a layout (see `detail::intervention`), which set the paragraphs in
/// columns of the same width again and again.
pub(crate) struct Paragraphs {
    paras: Vec<Para>,
    lines: Vec<std::cell::RefCell<Option<(u32, text::Lines)>>>,
}

impl Paragraphs {
    pub(crate) fn new(paras: Vec<Para>) -> Paragraphs {
        let lines = paras.iter().map(|_| std::cell::RefCell::new(None)).collect();
        Paragraphs { paras, lines }
    }
}

/// `flow_text` for a text already split into paragraphs.
pub(crate) fn flow_paragraphs(b: &mut Builder, flow: &mut Flow, paras: &Paragraphs, st: Style) {
    for (i, (para, known)) in paras.paras.iter().zip(&paras.lines).enumerate() {
        if i > 0 {
            flow.y += st.leading * 0.35;
        }
        flow.unit(b, st.leading);
        let block = b.block();
        let (indent, body, bullet) = match para {
            Para::Text(t) => (0.0, t.as_str(), false),
            Para::Bullet(t) => (st.size * 1.2, t.as_str(), true),
        };
        let width = flow.w() - indent;
        let mut known = known.borrow_mut();
        let lines = match &*known {
            Some((w, lines)) if *w == width.to_bits() => Arc::clone(lines),
            _ => {
                let lines = wrap(b.fonts, st.face, st.size, body, width);
                *known = Some((width.to_bits(), Arc::clone(&lines)));
                lines
            }
        };
        drop(known);
        for (n, line) in lines.iter().enumerate() {
            flow.ensure(b, st.leading);
            let y = flow.y + st.ascent();
            if bullet && n == 0 {
                b.text_run(flow.page, flow.x() + st.size * 0.2, y, st, "•", Role::ListLabel, block, None);
            }
            let role = if bullet { Role::ListBody } else { Role::Paragraph };
            b.text_line(flow.page, flow.x() + indent, y, st, line, role, block, None);
            flow.y += st.leading;
        }
    }
}

/// Lays out runs of interventions, taking the next one from `next` until none is left: each
/// with its index, in a fork of `b`.
fn lay_runs<'a>(b: &Builder<'a>, runs: &[Run<'a>], next: &AtomicUsize) -> Vec<(usize, Builder<'a>)> {
    let mut done = Vec::new();
    loop {
        let k = next.fetch_add(1, Ordering::Relaxed);
        let Some((run, long)) = runs.get(k) else { break };
        // Only this thread takes run k: the lock is never waited for.
        let long = std::mem::take(&mut *long.lock().expect("internal error: a layout thread panicked"));
        let mut part = b.fork();
        for (it, long) in run.iter().zip(long) {
            detail::intervention(&mut part, it, long);
        }
        done.push((k, part));
    }
    done
}

/// A run of consecutive interventions, with their long fields (taken out of the catalogue).
type Run<'a> = (&'a [Intervention], std::sync::Mutex<Vec<detail::LongFields>>);

/// Interventions per run of `layout_in_runs`: small enough to share the work out evenly.
const RUN: usize = 8;

/// Lays out the whole kaart. The layout owns all it needs: the catalogue is dropped, its long
/// texts one intervention at a time, as soon as it is laid out.
pub fn layout(cat: Catalogue, opts: &LayoutOptions) -> Result<Layout, LayoutError> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    layout_in_runs(cat, opts, threads)
}

/// `layout`, with the interventions laid out on `threads` threads. The result does not depend
/// on `threads`.
fn layout_in_runs(mut cat: Catalogue, opts: &LayoutOptions, threads: usize) -> Result<Layout, LayoutError> {
    let long: Vec<detail::LongFields> = cat.interventions.iter_mut().map(detail::take_long_fields).collect();
    let cat = &cat;
    let mut b = Builder::new(cat, opts.paper);
    // The interventions' pages are laid out in runs of a few consecutive interventions, each
    // numbering its pages from 0; merged in order, they are renumbered to exactly what one
    // thread would have made. Threads take the next run as they finish one (some interventions
    // take many passes), and this thread joins them once it has done the front matter.
    crate::mark("layout start");
    let mut long = long.into_iter();
    let runs: Vec<Run> = cat
        .interventions
        .chunks(RUN)
        .map(|run| (run, std::sync::Mutex::new(long.by_ref().take(run.len()).collect())))
        .collect();
    let next = AtomicUsize::new(0);
    let fork = b.fork();
    let (details, domain_pages, by_name) = std::thread::scope(|scope| {
        let workers: Vec<_> =
            (0..threads.saturating_sub(1).max(1)).map(|_| scope.spawn(|| lay_runs(&fork, &runs, &next))).collect();
        // The cover is page 0 but is drawn last: its tiles link every page of the domain indexes.
        // Every index lists its interventions in this order.
        let by_name = index::sorted(&cat.interventions);
        let cover_part = b.part("Omslag");
        b.new_page(cover_part);
        index::how_to(&mut b);
        let domain_pages = index::domain_indexes(&mut b, &by_name);
        index::group_indexes(&mut b, &by_name);
        index::funding_indexes(&mut b, &by_name);
        index::a_to_z(&mut b, &by_name);
        crate::mark("front matter done");
        let mut details = if threads > 1 { lay_runs(&fork, &runs, &next) } else { Vec::new() };
        for w in workers {
            details.extend(w.join().expect("internal error: a layout thread panicked"));
        }
        details.sort_unstable_by_key(|(k, _)| *k);
        (details, domain_pages, by_name)
    });
    crate::mark("details joined");
    for (_, part) in details {
        b.merge(part);
    }
    cover::cover(&mut b, &domain_pages);
    b.footers();
    b.resolve_labels();
    b.resolve_fixups()?;
    crate::mark("fixups");
    let outline = index::outline(&b, &by_name);

    let k = &cat.kaart;
    let mut keywords: Vec<String> = vec!["interventiekaart".into(), "persoonsgerichte aanpak".into()];
    keywords.extend(k.domains.iter().map(|d| d.name.clone()));
    let info = DocInfo {
        title: k.title.clone(),
        author: k.author.clone().or_else(|| k.publisher.clone()),
        subject: k.subtitle.clone(),
        keywords,
        lang: k.lang.clone(),
        date: k.date,
        ident: opts.ident,
    };
    let geo = b.geo;
    crate::mark("layout end");
    Ok(Layout {
        width: geo.width,
        height: geo.height,
        pages: b.pages,
        parts: b.parts,
        dests: b.dests,
        outline,
        info,
        tagged: !opts.untagged,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_stay_small() {
        // A kaart of 10,000 interventions holds millions of items until structure is done.
        assert!(std::mem::size_of::<Item>() <= 40, "{}", std::mem::size_of::<Item>());
    }

    /// After drawing, a page keeps one run per marked-content sequence, with the same id, block,
    /// link and role as that sequence's first run, and every link.
    #[test]
    fn dropping_the_drawing_keeps_each_sequence_and_its_id() {
        let opts = LayoutOptions { paper: Paper::A4Landscape, ident: [0; 16], untagged: false };
        // A page where an artifact (a footer line) stands between two lines of one paragraph:
        // they are two sequences, and stay two.
        let mut made = Page { label: "1".into(), part: 0, items: Vec::new(), text: String::new() };
        for (text, block, role) in [
            ("een", 1, Role::Paragraph),
            ("twee", 1, Role::Paragraph),
            ("pagina 1", 0, Role::Artifact),
            ("drie", 1, Role::Paragraph),
            ("vier", 2, Role::Heading(2)),
        ] {
            let text = made.add_text(text);
            let st = Style::new(Face::Regular, 9.5, INK);
            made.items.push(Item::Text(TextRun {
                x: 0.0,
                baseline: 0.0,
                size: st.size,
                face: st.face,
                color: st.color,
                text,
                w: 1.0,
                role,
                block,
                link: None,
            }));
        }
        assert_eq!(made.mcids(), [Some(0), Some(0), None, Some(1), Some(2)]);
        let mut dropped = 0;
        for dir in ["tests/fixtures/valid/edge", "data"] {
            let mut l = layout_in_runs(catalogue(dir), &opts, 2).unwrap();
            if dir == "data" {
                l.pages.push(made.clone());
            }
            for page in &mut l.pages {
                let firsts = |page: &Page| {
                    let mut seen = Vec::new();
                    for (item, mcid) in page.items.iter().zip(page.mcids()) {
                        if let (Item::Text(t), Some(m)) = (item, mcid)
                            && seen.last().is_none_or(|&(last, _)| last < m)
                        {
                            seen.push((m, (t.block, t.link, t.role)));
                        }
                    }
                    seen
                };
                let links = |page: &Page| page.items.iter().filter(|i| matches!(i, Item::Link(_))).count();
                let (before, before_links, n) = (firsts(page), links(page), page.items.len());
                page.drop_drawing();
                let after: Vec<_> = page
                    .items
                    .iter()
                    .zip(page.mcids())
                    .filter_map(|(item, m)| match item {
                        Item::Text(t) => m.map(|m| (m, (t.block, t.link, t.role))),
                        _ => None,
                    })
                    .collect();
                assert_eq!(after, before, "{dir}: page {}", page.label);
                assert_eq!(links(page), before_links);
                dropped += n - page.items.len();
            }
        }
        assert!(dropped > 0);
    }

    /// A navigation bar of more than one row is a grid, filled row by row: equal columns that
    /// line up from row to row, which poppler reads as a table, row after row.
    #[test]
    fn a_bar_of_several_rows_is_a_grid() {
        for (dir, paper, rows) in [("data", Paper::A4Portrait, 2), ("data", Paper::A4Landscape, 1)] {
            let cat = catalogue(dir);
            let b = Builder::new(&cat, paper);
            let mut ys: Vec<f32> = b.nav.iter().map(|n| n.rect.y).collect();
            ys.dedup();
            assert_eq!(ys.len(), rows, "{paper:?}");
            if rows == 1 {
                continue;
            }
            let first: Vec<&NavButton> = b.nav.iter().filter(|n| n.rect.y == ys[0]).collect();
            for (i, n) in b.nav.iter().enumerate() {
                let above = first[i % first.len()];
                assert_eq!((n.rect.x, n.rect.w), (above.rect.x, above.rect.w), "{}", n.label);
                assert_eq!(n.rect.y, ys[i / first.len()], "row by row: {}", n.label);
            }
        }
    }

    #[test]
    fn contrast_picks_readable_text() {
        assert!((contrast(WHITE, BLACK) - 21.0).abs() < 0.01);
        for bg in [
            Rgb(0xFF, 0xFF, 0x00),
            Rgb(0x1F, 0x5F, 0xA8),
            Rgb(0x77, 0x77, 0x77),
            Rgb(0x76, 0x76, 0x76),
            Rgb(0, 0xFF, 0),
        ] {
            assert!(contrast(text_on(bg), bg) >= 4.5, "{bg:?}");
        }
        assert!(contrast(readable_on_white(Rgb(0xFF, 0xD7, 0x00)), WHITE) >= 4.5);
    }

    /// A valid data folder's catalogue (also for the tests of the layout's submodules).
    pub(super) fn catalogue(dir: &str) -> Catalogue {
        let loaded = crate::load::load(std::path::Path::new(dir), &crate::load::LoadOptions::default());
        crate::validate::validate(loaded, crate::validate::ValidateOptions { strict: false })
            .expect("a valid fixture")
            .0
    }

    /// Everything a later stage sees of a layout, as text.
    fn snapshot(l: &Layout) -> String {
        format!("{:?}\n{:?}\n{:?}\n{:?}", l.pages, l.parts, l.dests, l.outline)
    }

    #[test]
    fn interventions_laid_out_in_runs_give_the_same_pages_as_one_run() {
        let mut continued = 0;
        for dir in ["tests/fixtures/valid/extreme", "tests/fixtures/valid/edge", "data"] {
            let cat = catalogue(dir);
            let opts = LayoutOptions { paper: Paper::A4Landscape, ident: [0; 16], untagged: false };
            let one = snapshot(&layout_in_runs(cat.clone(), &opts, 1).unwrap());
            for threads in [2, 3, 7] {
                let many = snapshot(&layout_in_runs(cat.clone(), &opts, threads).unwrap());
                assert!(one == many, "{dir}: {threads} threads differ from one");
            }
            // The continuation texts name their final pages.
            assert!(!one.contains("pagina 0") && !one.contains("pagina Omslag"), "{dir}");
            continued += one.matches("Vervolg op pagina").count();
        }
        assert!(continued > 0, "the fixtures have continuation pages");
    }
}
