//! render: pages of boxes -> a lopdf document, drawn with printpdf. Knows boxes, fonts and
//! colours, not interventions; writes no links, outline or names (that is structure).
//! Fonts are subset here, once, to the characters the layout uses.

use std::collections::{BTreeMap, BTreeSet};

use printpdf::{
    Color, DictItem, FontId, Mm, Op, ParsedFont, PdfDocument, PdfFont, PdfFontHandle, PdfPage, PdfSaveOptions, Pt,
    TextItem, TextMatrix,
};

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

/// Resource names of the faces. Fixed names, never printpdf's process-wide counter.
fn font_id(face: Face) -> FontId {
    FontId(match face {
        Face::Regular => "F1".into(),
        Face::Bold => "F2".into(),
    })
}

fn color(c: Rgb) -> Color {
    Color::Rgb(printpdf::Rgb::new(f32::from(c.0) / 255.0, f32::from(c.1) / 255.0, f32::from(c.2) / 255.0, None))
}

pub fn render(layout: &Layout) -> Result<Rendered, RenderError> {
    let fonts = Fonts::get();
    let mut doc = PdfDocument::new(&layout.info.title);

    // Subset each face to the characters it draws.
    let mut used: BTreeMap<Face, BTreeSet<char>> = BTreeMap::new();
    for page in &layout.pages {
        for item in &page.items {
            if let Item::Text(t) = item {
                used.entry(t.face).or_default().extend(t.text.chars());
            }
        }
    }
    for (face, chars) in &used {
        let bytes = fonts.face(*face).subset(chars).map_err(RenderError::Font)?;
        let parsed = ParsedFont::from_bytes(&bytes, 0, &mut Vec::new())
            .ok_or_else(|| RenderError::Font("the subset does not parse".into()))?;
        doc.resources.fonts.map.insert(font_id(*face), PdfFont::new(parsed));
    }

    let to_mm = |pt: f32| Mm(pt * 25.4 / 72.0);
    let h = layout.height;
    for page in &layout.pages {
        let mut ops = Vec::with_capacity(page.items.len() * 8);
        let mut fill: Option<Rgb> = None;
        // Marked content: decoration and the footer are artifacts; every other line of text is
        // a marked-content sequence with an MCID, numbered from 0 per page in item order, which
        // is the numbering the structure stage derives from the same layout.
        let mut in_artifact = false;
        let mut mcid = 0i64;
        for item in &page.items {
            let artifact = match item {
                Item::Fill(_) => true,
                Item::Text(t) => t.role == Role::Artifact,
                Item::Link(_) => continue,
            };
            if artifact && !in_artifact {
                ops.push(Op::BeginMarkedContent { tag: "Artifact".into() });
                in_artifact = true;
            } else if !artifact && in_artifact {
                ops.push(Op::EndMarkedContent);
                in_artifact = false;
            }
            match item {
                Item::Fill(f) => {
                    if fill != Some(f.color) {
                        ops.push(Op::SetFillColor { col: color(f.color) });
                        fill = Some(f.color);
                    }
                    ops.push(Op::DrawRectangle {
                        rectangle: printpdf::Rect {
                            x: Pt(f.rect.x),
                            y: Pt(h - f.rect.y - f.rect.h),
                            width: Pt(f.rect.w),
                            height: Pt(f.rect.h),
                            mode: Some(printpdf::PaintMode::Fill),
                            winding_order: None,
                        },
                    });
                }
                Item::Text(t) => {
                    if !artifact {
                        let mut map = BTreeMap::new();
                        map.insert("MCID".to_string(), DictItem::Int(mcid));
                        ops.push(Op::BeginMarkedContentWithProperties {
                            tag: mc_tag(t.role, t.link.is_some()).into(),
                            properties: DictItem::Dict { map },
                        });
                        mcid += 1;
                    }
                    if fill != Some(t.color) {
                        ops.push(Op::SetFillColor { col: color(t.color) });
                        fill = Some(t.color);
                    }
                    ops.push(Op::StartTextSection);
                    ops.push(Op::SetFont { font: PdfFontHandle::External(font_id(t.face)), size: Pt(t.size) });
                    ops.push(Op::SetTextMatrix { matrix: TextMatrix::Translate(Pt(t.x), Pt(h - t.baseline)) });
                    ops.push(Op::ShowText { items: vec![TextItem::Text(t.text.clone())] });
                    ops.push(Op::EndTextSection);
                    if !artifact {
                        ops.push(Op::EndMarkedContent);
                    }
                }
                Item::Link(_) => {}
            }
        }
        if in_artifact {
            ops.push(Op::EndMarkedContent);
        }
        doc.pages.push(PdfPage::new(to_mm(layout.width), to_mm(layout.height), ops));
    }

    let opts = PdfSaveOptions { optimize: false, subset_fonts: false, secure: true, image_optimization: None };
    let mut warnings = Vec::new();
    let doc = printpdf::serialize::to_lopdf_doc(&doc, &opts, &mut warnings);
    let page_ids = doc.get_pages().into_values().collect();
    Ok(Rendered { doc, page_ids })
}
