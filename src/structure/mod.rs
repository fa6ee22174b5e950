//! structure: the rendered document -> a finished PDF, with lopdf. Adds what printpdf lacks or
//! gets wrong for viewers: link annotations (borderless, with `/Contents`), the nested outline,
//! one sorted `/Dests` name tree, page labels, viewer preferences, Info and XMP metadata, and a
//! stable `/ID`. Knows targets and pages, not YAML.

mod serialize;
mod tags;

use std::collections::HashSet;

use lopdf::{Dictionary, Object, ObjectId, Stream, StringFormat, dictionary};

use crate::layout::{Anchor, DocInfo, Item, Layout, OutlineItem, Target};
use crate::render::Rendered;
use crate::syntax;

#[derive(Debug)]
pub enum StructureError {
    /// A link or outline item names a destination the layout never placed: a bug.
    UnknownDestination(String),
    Save(String),
}

impl std::fmt::Display for StructureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StructureError::UnknownDestination(d) => {
                write!(f, "internal error: unknown destination \"{d}\"; please report this")
            }
            StructureError::Save(e) => write!(f, "internal error: writing the PDF failed ({e}); please report this"),
        }
    }
}

impl std::error::Error for StructureError {}

/// A PDF text string: in PDFDocEncoding where `syntax::pdf_doc` allows, else as UTF-16BE with a
/// BOM. The lopdf form of `syntax::text`.
pub fn text_string(s: &str) -> Object {
    if syntax::pdf_doc(s) {
        Object::String(s.chars().map(|c| c as u32 as u8).collect(), StringFormat::Literal)
    } else {
        Object::String(syntax::utf16_text(s).collect(), StringFormat::Hexadecimal)
    }
}

/// A URI as the 7-bit ASCII the spec asks for (ISO 32000-1, 12.6.4.7): other bytes and spaces
/// percent-encoded, so `https://example.org/café` reaches every viewer intact.
fn uri_ascii(url: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(url.len());
    for &b in url.as_bytes() {
        if b.is_ascii_graphic() {
            out.push(b);
        } else {
            out.extend_from_slice(format!("%{b:02X}").as_bytes());
        }
    }
    out
}

/// A finished document, ready to be written: its objects, and the small ones already packed
/// into compressed object streams. It no longer needs the layout.
pub struct Finished {
    doc: lopdf::Document,
    packed: serialize::ObjectStreams,
}

impl Finished {
    /// Writes the PDF file to `out`, dropping each content stream once written.
    pub fn write_to<W: std::io::Write>(self, out: W) -> std::io::Result<()> {
        serialize::serialize(self.doc, self.packed, out)
    }
}

/// Finishes the document and serialises it to bytes.
pub fn structure(rendered: Rendered, layout: &mut Layout) -> Result<Vec<u8>, StructureError> {
    let mut bytes = Vec::new();
    finish(rendered, layout)?.write_to(&mut bytes).map_err(|e| StructureError::Save(e.to_string()))?;
    Ok(bytes)
}

/// Finishes the document: annotations, name tree, outline, tags, catalog and trailer.
/// The pages' items are dropped as their part's structure is written (tagged only): after this,
/// the layout holds its parts, destinations and outline, and empty pages.
pub fn finish(rendered: Rendered, layout: &mut Layout) -> Result<Finished, StructureError> {
    crate::mark("structure start");
    let Rendered { mut doc, page_ids, pages } = rendered;
    doc.version = "1.7".into();
    let h = layout.height;

    // Small objects written once and never changed (annotations, structure elements) go
    // straight to bytes, packed and compressed as they come: as lopdf dictionaries a tagged
    // kaart of 1,000 interventions held 800 MB of them.
    let mut raw = serialize::ObjectStreams::new();

    // Link annotations. With tags, each gets its /StructParent key: the keys after the pages',
    // in page and item order, the order tags::build gives the parent tree.
    let mut next_struct_parent = layout.pages.len() as i64;
    // Only to catch a layout bug (a link to a name never placed): tens of thousands of links,
    // so a hash lookup, not a walk down the sorted map.
    let placed: HashSet<&str> = layout.dests.keys().map(String::as_str).collect();
    // Per page, its link ids with their annotations, sorted by link id.
    let mut annot_ids: Vec<Vec<(u32, ObjectId)>> = vec![Vec::new(); layout.pages.len()];
    // Per page, its annotations: ids made one after another, in item order.
    let mut page_annots: Vec<(u32, u32)> = Vec::with_capacity(layout.pages.len());
    for (index, page) in layout.pages.iter().enumerate() {
        let mut annots = (0, 0);
        for item in &page.items {
            let Item::Link(link) = item else { continue };
            let r = link.rect;
            let id = doc.new_object_id();
            let annot = raw.begin(id);
            annot.extend_from_slice(b"<</Type/Annot/Subtype/Link/Rect[");
            for (i, v) in [r.x, h - r.y - r.h, r.x + r.w, h - r.y].into_iter().enumerate() {
                if i > 0 {
                    annot.push(b' ');
                }
                syntax::fixed(annot, v, 2);
            }
            annot.extend_from_slice(b"]/Border[0 0 0]/F 4/Contents");
            syntax::text(annot, &link.alt);
            match &link.target {
                Target::Dest(name) => {
                    if !placed.contains(&**name) {
                        return Err(StructureError::UnknownDestination(name.to_string()));
                    }
                    annot.extend_from_slice(b"/Dest");
                    syntax::literal(annot, name.as_bytes());
                }
                Target::Page(p) => {
                    annot.extend_from_slice(b"/Dest[");
                    syntax::reference(annot, page_ids[*p]);
                    annot.extend_from_slice(b"/XYZ null ");
                    syntax::fixed(annot, h, 2);
                    annot.extend_from_slice(b" null]");
                }
                Target::Url(url) => {
                    annot.extend_from_slice(b"/A<</S/URI/URI");
                    syntax::literal(annot, &uri_ascii(url));
                    annot.extend_from_slice(b">>");
                }
            }
            if layout.tagged {
                annot.extend_from_slice(b"/StructParent ");
                syntax::int(annot, next_struct_parent);
                next_struct_parent += 1;
            }
            annot.extend_from_slice(b">>");
            annot_ids[index].push((link.id, id));
            if annots.1 == 0 {
                annots.0 = id.0;
            }
            debug_assert_eq!(id.0, annots.0 + annots.1, "a page's annotations have consecutive ids");
            annots.1 += 1;
        }
        annot_ids[index].sort_unstable_by_key(|&(link, _)| link);
        page_annots.push(annots);
    }

    crate::mark("structure: annots");
    // One name tree for the destinations, sorted byte-wise: "The keys shall be sorted in
    // lexical order" (ISO 32000-1, 7.9.6); PDFium finds names only in such a tree.
    let mut names: Vec<(&String, &Anchor)> = layout.dests.iter().collect();
    names.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    // Written as bytes, as the outline below: a large kaart has tens of thousands of each.
    let chunks: Vec<&[(&String, &Anchor)]> = names.chunks(64).collect();
    let leaves: Vec<ObjectId> = chunks.iter().map(|_| doc.new_object_id()).collect();
    for (chunk, &leaf) in chunks.iter().zip(&leaves) {
        let d = raw.begin(leaf);
        d.extend_from_slice(b"<</Names[");
        for (k, (n, a)) in chunk.iter().enumerate() {
            if k > 0 {
                d.push(b' ');
            }
            syntax::literal(d, n.as_bytes());
            d.push(b'[');
            syntax::reference(d, page_ids[a.page]);
            d.extend_from_slice(b"/XYZ null ");
            syntax::fixed(d, (h - a.top).clamp(0.0, h), 4);
            d.extend_from_slice(b" null]");
        }
        d.push(b']');
        // A single leaf is the root, which has no /Limits.
        if leaves.len() > 1 {
            d.extend_from_slice(b"/Limits[");
            syntax::literal(d, chunk[0].0.as_bytes());
            syntax::literal(d, chunk[chunk.len() - 1].0.as_bytes());
            d.push(b']');
        }
        d.extend_from_slice(b">>");
    }
    let dests_root = match leaves[..] {
        [leaf] => leaf,
        _ => doc.add_object(dictionary! { "Kids" => leaves.iter().map(|&l| Object::Reference(l)).collect::<Vec<_>>() }),
    };

    // The outline.
    let outline_root = doc.new_object_id();
    let (first, last, count) = outline_items(&mut doc, &mut raw, &layout.outline, outline_root, layout)?;
    let mut outlines = dictionary! { "Type" => "Outlines", "Count" => count };
    if let (Some(f), Some(l)) = (first, last) {
        outlines.set("First", f);
        outlines.set("Last", l);
    }
    doc.objects.insert(outline_root, Object::Dictionary(outlines));

    let page_labels = dictionary! {
        "Nums" => vec![
            0.into(), Object::Dictionary(dictionary! { "P" => text_string("Omslag") }),
            1.into(), Object::Dictionary(dictionary! { "S" => "D", "St" => 2 }),
        ],
    };
    let xmp = xmp(&layout.info);
    let mut xmp_stream = Stream::new(dictionary! { "Type" => "Metadata", "Subtype" => "XML" }, xmp.into_bytes());
    xmp_stream.allows_compression = false;
    let metadata = doc.add_object(xmp_stream);

    crate::mark("structure: names outline");
    let struct_root = layout.tagged.then(|| tags::build(&mut doc, &mut raw, layout, &page_ids, &annot_ids));

    crate::mark("structure: tags");
    // The page objects, as bytes (see `PageObjects`).
    for (p, (&id, &contents)) in page_ids.iter().zip(&pages.contents).enumerate() {
        let d = raw.begin(id);
        d.extend_from_slice(b"<</Type/Page/Parent ");
        syntax::reference(d, pages.parent);
        d.extend_from_slice(b"/MediaBox[0 0 ");
        syntax::fixed(d, pages.width, 4);
        d.push(b' ');
        syntax::fixed(d, pages.height, 4);
        d.extend_from_slice(b"]/Resources ");
        syntax::reference(d, pages.resources);
        d.extend_from_slice(b"/Contents ");
        syntax::reference(d, contents);
        let (first, n) = page_annots[p];
        if n > 0 {
            d.extend_from_slice(b"/Annots");
            syntax::references(d, (first..first + n).map(|a| (a, 0)));
        }
        if struct_root.is_some() {
            d.extend_from_slice(b"/StructParents ");
            syntax::int(d, p as i64);
            d.extend_from_slice(b"/Tabs/S");
        }
        d.extend_from_slice(b">>");
    }
    let catalog = doc.catalog_mut().map_err(|e| StructureError::Save(e.to_string()))?;
    catalog.set("Lang", text_string(&layout.info.lang));
    catalog.set("ViewerPreferences", dictionary! { "DisplayDocTitle" => true });
    catalog.set("PageMode", Object::Name(b"UseOutlines".to_vec()));
    catalog.set("PageLayout", Object::Name(b"SinglePage".to_vec()));
    catalog.set("PageLabels", page_labels);
    catalog.set("Outlines", outline_root);
    catalog.set("Names", dictionary! { "Dests" => dests_root });
    catalog.set("Metadata", metadata);
    // No /Suspects: poppler 22.12 misreads it and warns.
    if let Some(root) = struct_root {
        catalog.set("MarkInfo", dictionary! { "Marked" => true });
        catalog.set("StructTreeRoot", root);
    }

    let info = info_dict(&layout.info);
    let info_id = doc.add_object(info);
    doc.trailer.set("Info", info_id);
    let ident = Object::String(layout.info.ident.to_vec(), StringFormat::Hexadecimal);
    doc.trailer.set("ID", vec![ident.clone(), ident]);

    compress_streams(&mut doc);
    Ok(Finished { doc, packed: raw })
}

/// Deflates every stream that may be compressed and is not yet, on all cores. The output does not
/// depend on the thread count: each stream is compressed on its own.
fn compress_streams(doc: &mut lopdf::Document) {
    let mut streams: Vec<&mut Stream> = doc
        .objects
        .values_mut()
        .filter_map(|o| match o {
            Object::Stream(s) if s.allows_compression && s.dict.get(b"Filter").is_err() => Some(s),
            _ => None,
        })
        .collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    let chunk = streams.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        for part in streams.chunks_mut(chunk) {
            scope.spawn(move || {
                let mut z = crate::deflate::Deflater::for_objects();
                for s in part {
                    let packed = z.deflate(&s.content);
                    if packed.len() + 19 < s.content.len() {
                        s.dict.set("Filter", "FlateDecode");
                        s.set_content(packed);
                    }
                }
            });
        }
    });
}

/// Writes the outline items under `parent` (as bytes, to `raw`); returns (first, last, number
/// of items). Items with children start closed, so a kaart of a thousand interventions opens on
/// a short outline.
fn outline_items(
    doc: &mut lopdf::Document,
    raw: &mut serialize::ObjectStreams,
    items: &[OutlineItem],
    parent: ObjectId,
    layout: &Layout,
) -> Result<(Option<ObjectId>, Option<ObjectId>, i64), StructureError> {
    let ids: Vec<ObjectId> = items.iter().map(|_| doc.new_object_id()).collect();
    for (i, item) in items.iter().enumerate() {
        if !layout.dests.contains_key(&item.dest) {
            return Err(StructureError::UnknownDestination(item.dest.clone()));
        }
        let (first, last, _) = outline_items(doc, raw, &item.children, ids[i], layout)?;
        let d = raw.begin(ids[i]);
        d.extend_from_slice(b"<</Title");
        syntax::text(d, &item.title);
        d.extend_from_slice(b"/Parent ");
        syntax::reference(d, parent);
        d.extend_from_slice(b"/Dest");
        syntax::literal(d, item.dest.as_bytes());
        if i > 0 {
            d.extend_from_slice(b"/Prev ");
            syntax::reference(d, ids[i - 1]);
        }
        if i + 1 < ids.len() {
            d.extend_from_slice(b"/Next ");
            syntax::reference(d, ids[i + 1]);
        }
        if let (Some(f), Some(l)) = (first, last) {
            d.extend_from_slice(b"/First ");
            syntax::reference(d, f);
            d.extend_from_slice(b"/Last ");
            syntax::reference(d, l);
            // Closed: a negative count of the children that opening it would show.
            d.extend_from_slice(b"/Count ");
            syntax::int(d, -(item.children.len() as i64));
        }
        d.extend_from_slice(b">>");
    }
    Ok((ids.first().copied(), ids.last().copied(), ids.len() as i64))
}

fn pdf_date(info: &DocInfo) -> String {
    format!("D:{:04}{:02}{:02}000000Z", info.date.year, info.date.month, info.date.day)
}

fn info_dict(info: &DocInfo) -> Dictionary {
    let mut d = dictionary! {
        "Title" => text_string(&info.title),
        "Creator" => text_string("kaart"),
        "Producer" => text_string(concat!("kaart ", env!("CARGO_PKG_VERSION"), " (printpdf, lopdf)")),
        "CreationDate" => Object::string_literal(pdf_date(info)),
        "ModDate" => Object::string_literal(pdf_date(info)),
        "Keywords" => text_string(&info.keywords.join(", ")),
    };
    if let Some(a) = &info.author {
        d.set("Author", text_string(a));
    }
    if let Some(s) = &info.subject {
        d.set("Subject", text_string(s));
    }
    d
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The XMP packet: the same title, author, subject and keywords as the Info dictionary.
fn xmp(info: &DocInfo) -> String {
    let date = format!("{}T00:00:00Z", info.date);
    let title = xml_escape(&info.title);
    let lang = xml_escape(&info.lang);
    let creator = info.author.as_deref().map(xml_escape).unwrap_or_default();
    let subject = info.subject.as_deref().map(xml_escape).unwrap_or_default();
    let keywords = xml_escape(&info.keywords.join(", "));
    format!(
        r#"<?xpacket begin="﻿" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about=""
 xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
 xmlns:xmp="http://ns.adobe.com/xap/1.0/"
 xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
<dc:creator><rdf:Seq><rdf:li>{creator}</rdf:li></rdf:Seq></dc:creator>
<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{subject}</rdf:li></rdf:Alt></dc:description>
<dc:language><rdf:Bag><rdf:li>{lang}</rdf:li></rdf:Bag></dc:language>
<dc:format>application/pdf</dc:format>
<pdf:Keywords>{keywords}</pdf:Keywords>
<pdf:Producer>kaart {version}</pdf:Producer>
<xmp:CreateDate>{date}</xmp:CreateDate>
<xmp:ModifyDate>{date}</xmp:ModifyDate>
<xmp:CreatorTool>kaart</xmp:CreatorTool>
<pdfuaid:part>1</pdfuaid:part>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"#,
        version = env!("CARGO_PKG_VERSION"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_ascii() {
        assert_eq!(uri_ascii("https://example.org/café?q=a b"), b"https://example.org/caf%C3%A9?q=a%20b".to_vec());
        assert_eq!(uri_ascii("mailto:a@b.nl?subject=x%20y"), b"mailto:a@b.nl?subject=x%20y".to_vec());
    }
}
