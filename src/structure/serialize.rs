//! Serialises the finished object graph to PDF bytes: streams as indirect objects, every other
//! object packed into compressed object streams, and a compressed cross-reference stream
//! (ISO 32000-1, 7.5.7 and 7.5.8). lopdf's own writer copies every object before packing it,
//! compresses serially and leaves the cross-reference stream uncompressed; a tagged kaart has
//! hundreds of thousands of small objects, so this is where that costs time, memory and bytes.

use lopdf::{Dictionary, Document, Object, ObjectId, StringFormat, dictionary};

use crate::deflate::Deflater;
use crate::syntax;

/// Objects per object stream: large enough to compress well, small enough to share out.
const PER_STREAM: usize = 250;

fn write_object(out: &mut Vec<u8>, o: &Object) {
    match o {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Object::Integer(i) => syntax::int(out, *i),
        Object::Real(r) => syntax::fixed(out, *r, 4),
        Object::Name(n) => syntax::name(out, n),
        Object::String(s, StringFormat::Literal) => syntax::literal(out, s),
        Object::String(s, StringFormat::Hexadecimal) => syntax::hex(out, s),
        Object::Array(a) => {
            out.push(b'[');
            for (i, item) in a.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                write_object(out, item);
            }
            out.push(b']');
        }
        Object::Dictionary(d) => write_dict(out, d),
        Object::Stream(s) => {
            let mut dict = s.dict.clone();
            dict.set("Length", s.content.len() as i64);
            write_dict(out, &dict);
            out.extend_from_slice(b"\nstream\n");
            out.extend_from_slice(&s.content);
            out.extend_from_slice(b"\nendstream");
        }
        Object::Reference(id) => syntax::reference(out, *id),
    }
}

fn write_dict(out: &mut Vec<u8>, d: &Dictionary) {
    out.extend_from_slice(b"<<");
    for (k, v) in d.iter() {
        syntax::name(out, k);
        out.push(b' ');
        write_object(out, v);
    }
    out.extend_from_slice(b">>");
}

/// Objects already in PDF syntax, in one buffer: a tagged kaart has hundreds of thousands of
/// small objects (annotations, structure elements), and one allocation each cost memory and time.
#[derive(Default)]
pub struct RawObjects {
    bytes: Vec<u8>,
    /// Each object's id and where its bytes start.
    starts: Vec<(ObjectId, usize)>,
}

impl RawObjects {
    pub fn with_capacity(objects: usize, bytes: usize) -> RawObjects {
        RawObjects { bytes: Vec::with_capacity(bytes), starts: Vec::with_capacity(objects) }
    }

    pub fn reserve(&mut self, objects: usize, bytes: usize) {
        self.starts.reserve(objects);
        self.bytes.reserve(bytes);
    }

    /// Starts object `id`: what is written to the returned buffer, up to the next `begin`, is
    /// the object.
    pub fn begin(&mut self, id: ObjectId) -> &mut Vec<u8> {
        self.starts.push((id, self.bytes.len()));
        &mut self.bytes
    }

    fn iter(&self) -> impl Iterator<Item = (ObjectId, &[u8])> {
        self.starts.iter().enumerate().map(|(i, &(id, start))| {
            let end = self.starts.get(i + 1).map_or(self.bytes.len(), |s| s.1);
            (id, &self.bytes[start..end])
        })
    }
}

/// An object to pack into an object stream: from the document, or already serialised.
enum Packed<'a> {
    Object(&'a Object),
    Bytes(&'a [u8]),
}

/// One cross-reference entry: free, at a byte offset, or inside an object stream.
#[derive(Clone, Copy)]
enum Entry {
    Free,
    At(u64),
    InStream(u32, u16),
}

/// The PDF file for `doc`, whose `trailer` holds `Root`, `Info` and `ID`, plus `raw` objects
/// already in PDF syntax (ids not used in `doc`).
pub fn serialize(doc: &Document, raw: &RawObjects) -> Vec<u8> {
    // The file is about the streams, as they are, and the rest compressed to a quarter.
    let streams: usize =
        doc.objects.values().map(|o| if let Object::Stream(s) = o { s.content.len() } else { 0 }).sum();
    let mut out: Vec<u8> = Vec::with_capacity(streams + raw.bytes.len() / 4 + (1 << 16));
    out.extend_from_slice(b"%PDF-");
    out.extend_from_slice(doc.version.as_bytes());
    out.extend_from_slice(b"\n%\xE2\xE3\xCF\xD3\n");

    let mut direct: Vec<(ObjectId, &Object)> = Vec::new();
    let mut packed: Vec<(ObjectId, Packed)> = Vec::new();
    for (id, o) in &doc.objects {
        // Streams and objects of a later generation cannot go in an object stream (7.5.7).
        if matches!(o, Object::Stream(_)) || id.1 != 0 {
            direct.push((*id, o));
        } else {
            packed.push((*id, Packed::Object(o)));
        }
    }
    let max_id = doc.objects.keys().copied().chain(raw.iter().map(|(id, _)| id)).map(|id| id.0).max().unwrap_or(0);
    packed.extend(raw.iter().map(|(id, bytes)| (id, Packed::Bytes(bytes))));
    let groups: Vec<&[(ObjectId, Packed)]> = packed.chunks(PER_STREAM).collect();
    let first_stream = max_id + 1;
    let xref_id = first_stream + groups.len() as u32;
    let mut entries = vec![Entry::Free; xref_id as usize + 1];

    for (id, o) in &direct {
        entries[id.0 as usize] = Entry::At(out.len() as u64);
        out.extend_from_slice(format!("{} {} obj\n", id.0, id.1).as_bytes());
        write_object(&mut out, o);
        out.extend_from_slice(b"\nendobj\n");
    }

    // Object streams, serialised and compressed on all cores; written in order.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    let per_thread = groups.len().div_ceil(threads).max(1);
    let bodies: Vec<(Vec<u8>, usize, usize)> = std::thread::scope(|scope| {
        let handles: Vec<_> = groups
            .chunks(per_thread)
            .map(|part| {
                scope.spawn(move || {
                    let mut z = Deflater::default();
                    part.iter()
                        .map(|group| {
                            let mut header = Vec::new();
                            let mut body = Vec::new();
                            for (id, o) in group.iter() {
                                syntax::int(&mut header, i64::from(id.0));
                                header.push(b' ');
                                syntax::int(&mut header, body.len() as i64);
                                header.push(b' ');
                                match o {
                                    Packed::Object(o) => write_object(&mut body, o),
                                    Packed::Bytes(b) => body.extend_from_slice(b),
                                }
                                body.push(b'\n');
                            }
                            let first = header.len();
                            header.extend_from_slice(&body);
                            (z.deflate(&header), group.len(), first)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("internal error: a writer thread panicked")).collect()
    });
    for (k, ((bytes, n, first), group)) in bodies.into_iter().zip(&groups).enumerate() {
        let stream_id = first_stream + k as u32;
        for (index, (id, _)) in group.iter().enumerate() {
            entries[id.0 as usize] = Entry::InStream(stream_id, index as u16);
        }
        entries[stream_id as usize] = Entry::At(out.len() as u64);
        out.extend_from_slice(format!("{stream_id} 0 obj\n").as_bytes());
        let dict = dictionary! {
            "Type" => "ObjStm",
            "N" => n as i64,
            "First" => first as i64,
            "Filter" => "FlateDecode",
            "Length" => bytes.len() as i64,
        };
        write_dict(&mut out, &dict);
        out.extend_from_slice(b"\nstream\n");
        out.extend_from_slice(&bytes);
        out.extend_from_slice(b"\nendstream\nendobj\n");
    }

    // The cross-reference stream, which also carries the trailer.
    let xref_at = out.len() as u64;
    entries[xref_id as usize] = Entry::At(xref_at);
    let mut table = Vec::with_capacity(entries.len() * 7);
    for e in &entries {
        let (t, a, b): (u8, u32, u16) = match *e {
            Entry::Free => (0, 0, 0),
            Entry::At(off) => (1, u32::try_from(off).unwrap_or(u32::MAX), 0),
            Entry::InStream(s, i) => (2, s, i),
        };
        table.push(t);
        table.extend_from_slice(&a.to_be_bytes());
        table.extend_from_slice(&b.to_be_bytes());
    }
    let table = Deflater::default().deflate(&table);
    let mut dict = dictionary! {
        "Type" => "XRef",
        "Size" => entries.len() as i64,
        "W" => vec![1.into(), 4.into(), 2.into()],
        "Filter" => "FlateDecode",
        "Length" => table.len() as i64,
    };
    for key in [&b"Root"[..], b"Info", b"ID"] {
        if let Ok(v) = doc.trailer.get(key) {
            dict.set(key.to_vec(), v.clone());
        }
    }
    out.extend_from_slice(format!("{xref_id} 0 obj\n").as_bytes());
    write_dict(&mut out, &dict);
    out.extend_from_slice(b"\nstream\n");
    out.extend_from_slice(&table);
    out.extend_from_slice(b"\nendstream\nendobj\n");
    out.extend_from_slice(format!("startxref\n{xref_at}\n%%EOF\n").as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_serialise_as_pdf_syntax() {
        let mut out = Vec::new();
        let d = dictionary! {
            "Type" => "Annot",
            "Rect" => vec![Object::Real(1.5), 2.into()],
            "Contents" => Object::String(b"a (b) \\c".to_vec(), StringFormat::Literal),
            "Key" => Object::Name(b"A B#".to_vec()),
            "P" => Object::Reference((12, 0)),
        };
        write_dict(&mut out, &d);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "<</Type /Annot/Rect [1.5 2]/Contents (a \\(b\\) \\\\c)/Key /A#20B#23/P 12 0 R>>"
        );
    }

    #[test]
    fn lopdf_reads_what_we_write() {
        let mut doc = Document::with_version("1.7");
        let pages = doc.new_object_id();
        let page = doc.add_object(dictionary! { "Type" => "Page", "Parent" => pages, "MediaBox" => vec![0.into(), 0.into(), 10.into(), 10.into()] });
        doc.objects.insert(
            pages,
            Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 }),
        );
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages });
        doc.trailer.set("Root", catalog);
        let bytes = serialize(&doc, &RawObjects::default());
        let back = Document::load_mem(&bytes).expect("lopdf parses our file");
        assert_eq!(back.get_pages().len(), 1);
    }
}
