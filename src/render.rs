//! render: pages of boxes -> a lopdf document, drawn with printpdf. Knows boxes, fonts and
//! colours, not interventions; writes no links, outline or names (that is structure).
//! Fonts are subset here, once, to the characters the layout uses.

use std::collections::{BTreeMap, BTreeSet};

use printpdf::{
    Color, DictItem, FontId, Mm, Op, ParsedFont, PdfDocument, PdfFont, PdfFontHandle, PdfPage, PdfSaveOptions, Pt,
    TextItem, TextMatrix,
};

use lopdf::dictionary;

use crate::deflate::Deflater;
use crate::fonts::{Face, Fonts};
use crate::layout::{Item, Layout, Role};
use crate::model::Rgb;

/// The rendered document: lopdf's object graph, ready for the structure stage.
pub struct Rendered {
    pub doc: lopdf::Document,
    /// Page object ids in page order.
    pub page_ids: Vec<lopdf::ObjectId>,
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

/// Coordinates to 1/100 pt: plenty for print, and short numbers in the content stream.
fn r2(v: f32) -> f32 {
    (v * 100.0).round() / 100.0
}

/// The drawing operations of one page.
///
/// Marked content: decoration is an `/Artifact`; text is either an artifact (the footer) or
/// belongs to a sequence with the MCID `Page::mcids` gives it, the ids the structure stage uses
/// too. Consecutive text runs share one text object (BT/ET) with their marked content nested in
/// it, and fills sit between text objects in one artifact sequence, so the nesting stays proper
/// (ISO 32000-1, 14.6).
fn page_ops(page: &crate::layout::Page, h: f32, tagged: bool) -> Vec<Op> {
    let mut ops = Vec::with_capacity(page.items.len() * 5);
    let mcids = if tagged { page.mcids() } else { vec![None; page.items.len()] };
    // A line followed by another line of the same marked-content sequence ends in a space, so
    // that text taken from the structure (screen readers, reflow) reads "gedrag Trainingen",
    // not "gedragTrainingen". The space is invisible and sits past the line's measured width.
    let mut continues = vec![false; page.items.len()];
    let mut last_text: Option<usize> = None;
    for (i, item) in page.items.iter().enumerate() {
        match item {
            Item::Text(_) => {
                if let Some(j) = last_text
                    && mcids[i].is_some()
                    && mcids[j] == mcids[i]
                {
                    continues[j] = true;
                }
                last_text = Some(i);
            }
            Item::Link(_) => {}
            Item::Fill(_) => last_text = None,
        }
    }
    let mut fill: Option<Rgb> = None;
    let mut font: Option<(Face, f32)> = None;
    let mut in_text = false;
    let mut in_artifact = false;
    let mut open_mc: Option<u32> = None;
    let mut set_fill = |ops: &mut Vec<Op>, c: Rgb| {
        if fill != Some(c) {
            ops.push(Op::SetFillColor { col: color(c) });
            fill = Some(c);
        }
    };
    let close_mc = |ops: &mut Vec<Op>, open_mc: &mut Option<u32>| {
        if open_mc.take().is_some() {
            ops.push(Op::EndMarkedContent);
        }
    };
    for ((item, mcid), &cont) in page.items.iter().zip(&mcids).zip(&continues) {
        match item {
            Item::Fill(f) => {
                close_mc(&mut ops, &mut open_mc);
                if in_text {
                    ops.push(Op::EndTextSection);
                    in_text = false;
                }
                if !in_artifact && tagged {
                    ops.push(Op::BeginMarkedContent { tag: "Artifact".into() });
                    in_artifact = true;
                }
                set_fill(&mut ops, f.color);
                ops.push(Op::DrawRectangle {
                    rectangle: printpdf::Rect {
                        x: Pt(r2(f.rect.x)),
                        y: Pt(r2(h - f.rect.y - f.rect.h)),
                        width: Pt(r2(f.rect.w)),
                        height: Pt(r2(f.rect.h)),
                        mode: Some(printpdf::PaintMode::Fill),
                        winding_order: None,
                    },
                });
            }
            Item::Text(t) => {
                if in_artifact {
                    ops.push(Op::EndMarkedContent);
                    in_artifact = false;
                }
                if !in_text {
                    ops.push(Op::StartTextSection);
                    in_text = true;
                }
                let artifact = tagged && t.role == Role::Artifact;
                if artifact {
                    close_mc(&mut ops, &mut open_mc);
                    ops.push(Op::BeginMarkedContent { tag: "Artifact".into() });
                } else if let Some(m) = *mcid
                    && open_mc != Some(m)
                {
                    close_mc(&mut ops, &mut open_mc);
                    let mut map = BTreeMap::new();
                    map.insert("MCID".to_string(), DictItem::Int(i64::from(m)));
                    ops.push(Op::BeginMarkedContentWithProperties {
                        tag: mc_tag(t.role, t.link.is_some()).into(),
                        properties: DictItem::Dict { map },
                    });
                    open_mc = Some(m);
                }
                set_fill(&mut ops, t.color);
                if font != Some((t.face, t.size)) {
                    ops.push(Op::SetFont { font: PdfFontHandle::External(font_id(t.face)), size: Pt(t.size) });
                    font = Some((t.face, t.size));
                }
                ops.push(Op::SetTextMatrix { matrix: TextMatrix::Translate(Pt(r2(t.x)), Pt(r2(h - t.baseline))) });
                let text = if cont { format!("{} ", t.text) } else { t.text.clone() };
                ops.push(Op::ShowText { items: vec![TextItem::Text(text)] });
                if artifact {
                    ops.push(Op::EndMarkedContent);
                }
            }
            Item::Link(_) => {}
        }
    }
    close_mc(&mut ops, &mut open_mc);
    if in_text {
        ops.push(Op::EndTextSection);
    }
    if in_artifact {
        ops.push(Op::EndMarkedContent);
    }
    ops
}

/// Resource names of the faces. Fixed names, never printpdf's process-wide counter.
fn font_id(face: Face) -> FontId {
    FontId(match face {
        Face::Regular => "F1".into(),
        Face::Bold => "F2".into(),
    })
}

/// A colour with three decimals per component: indistinguishable, and short in the stream.
fn color(c: Rgb) -> Color {
    let k = |v: u8| (f32::from(v) / 255.0 * 1000.0).round() / 1000.0;
    Color::Rgb(printpdf::Rgb::new(k(c.0), k(c.1), k(c.2), None))
}

/// Pages drawn per printpdf document: printpdf holds every drawing operation of a document in
/// memory (about 128 bytes each, several per line of text), so pages go through it a batch at a
/// time, on all cores, and only their compressed content streams are kept.
const PAGES_PER_BATCH: usize = 64;

pub fn render(layout: &Layout) -> Result<Rendered, RenderError> {
    let fonts = Fonts::get();

    // Subset each face to the characters it draws.
    let mut used: BTreeMap<Face, BTreeSet<char>> = BTreeMap::new();
    for page in &layout.pages {
        for item in &page.items {
            if let Item::Text(t) = item {
                used.entry(t.face).or_default().extend(t.text.chars());
            }
        }
    }
    let mut font_map = BTreeMap::new();
    for (face, chars) in &used {
        let bytes = fonts.face(*face).subset(chars).map_err(RenderError::Font)?;
        let parsed = ParsedFont::from_bytes(&bytes, 0, &mut Vec::new())
            .ok_or_else(|| RenderError::Font("the subset does not parse".into()))?;
        font_map.insert(font_id(*face), PdfFont::new(parsed));
    }

    let to_mm = |pt: f32| Mm(pt * 25.4 / 72.0);
    let (w, h) = (layout.width, layout.height);
    let opts = PdfSaveOptions { optimize: false, subset_fonts: false, secure: true, image_optimization: None };
    let new_doc = |title: &str| {
        let mut d = PdfDocument::new(title);
        d.resources.fonts.map = font_map.clone();
        d
    };

    // The document skeleton and the font objects: one page that shows every character used, so
    // printpdf writes widths and ToUnicode entries for all of them. The page itself is dropped.
    let mut skeleton = new_doc(&layout.info.title);
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

    // The pages, a batch at a time on every core; each yields its pages' compressed streams.
    let batches: Vec<&[crate::layout::Page]> = layout.pages.chunks(PAGES_PER_BATCH).collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    let streams: Vec<Vec<Vec<u8>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (batches, new_doc, opts) = (&batches, &new_doc, &opts);
                scope.spawn(move || {
                    let mut z = Deflater::default();
                    let mut out = Vec::new();
                    for (i, batch) in batches.iter().enumerate().skip(t).step_by(threads) {
                        let mut d = new_doc("");
                        for page in batch.iter() {
                            d.pages.push(PdfPage::new(to_mm(w), to_mm(h), page_ops(page, h, layout.tagged)));
                        }
                        let ld = printpdf::serialize::to_lopdf_doc(&d, opts, &mut Vec::new());
                        drop(d);
                        let contents =
                            ld.get_pages().values().map(|&id| z.deflate(&ld.get_page_content(id))).collect::<Vec<_>>();
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

    // Page objects in layout order, all sharing the skeleton's resources.
    let resources_id = match resources {
        lopdf::Object::Reference(id) => id,
        other => doc.add_object(other),
    };
    let media_box = vec![0.into(), 0.into(), lopdf::Object::Real(w), lopdf::Object::Real(h)];
    let mut page_ids = Vec::with_capacity(layout.pages.len());
    for content in streams.into_iter().flatten() {
        let mut stream = lopdf::Stream::new(lopdf::Dictionary::new(), content);
        stream.dict.set("Filter", "FlateDecode");
        let contents = doc.add_object(stream);
        let page = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "MediaBox" => media_box.clone(),
            "Resources" => resources_id,
            "Contents" => contents,
        });
        page_ids.push(page);
    }
    let kids: Vec<lopdf::Object> = page_ids.iter().map(|&id| id.into()).collect();
    if let Ok(pages) = doc.get_dictionary_mut(pages_id) {
        pages.set("Kids", kids);
        pages.set("Count", page_ids.len() as i64);
    }
    Ok(Rendered { doc, page_ids })
}
