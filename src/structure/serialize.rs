//! Serialises the finished object graph to PDF bytes: streams as indirect objects, every other
//! object packed into compressed object streams, and a compressed cross-reference stream
//! (ISO 32000-1, 7.5.7 and 7.5.8). lopdf's own writer copies every object before packing it,
//! compresses serially and leaves the cross-reference stream uncompressed; a tagged kaart has
//! hundreds of thousands of small objects, so this is where that costs time, memory and bytes.

use lopdf::{Dictionary, Document, Object, ObjectId, StringFormat, dictionary};

use std::io::Write;
use std::sync::{Arc, Mutex, mpsc};

use crate::deflate::Deflater;
use crate::syntax;

/// Objects per object stream: large enough to compress well (a stream of 1,000 structure
/// elements or annotations is 40-190 KB before compression; 250 gave a file 2.3% larger at
/// N = 1,000), small enough to share out and for a viewer to unpack for one object.
const PER_STREAM: usize = 1000;

fn write_object(out: &mut Vec<u8>, o: &Object) {
    match o {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Object::Integer(i) => syntax::int(out, *i),
        Object::Real(r) => syntax::fixed(out, *r, 4),
        Object::Name(n) => syntax::name(out, n),
        Object::String(s, StringFormat::Literal) => syntax::literal(out, s),
        Object::String(s, StringFormat::Hexadecimal) => syntax::hex(out, s),
        Object::Array(a) => syntax::array(out, a, write_object),
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

/// Objects written in PDF syntax and packed into object streams as they come: every
/// `PER_STREAM` objects make a stream, which worker threads compress while the caller goes on
/// building the next ones. A tagged kaart has hundreds of thousands of small objects
/// (annotations, structure elements); only their compressed streams are kept.
/// A stream to compress: its number in order, its bytes, and where its first object starts.
type Job = (usize, Vec<u8>, usize);

/// Compresses jobs from `queue` until it is closed and empty.
fn compress_jobs(queue: &Mutex<mpsc::Receiver<Job>>, done: &mut Vec<Job>) {
    let mut z = Deflater::for_objects();
    loop {
        // The lock is held only while taking a job, never while compressing.
        let job = queue.lock().map(|r| r.recv());
        let Ok(Ok((k, bytes, first))) = job else { break };
        done.push((k, z.deflate(&bytes), first));
    }
}

pub struct ObjectStreams {
    /// The stream being filled: its objects' ids and offsets, and their bytes.
    index: Vec<(ObjectId, usize)>,
    body: Vec<u8>,
    /// Every object packed so far, in order; stream k holds `ids[k * PER_STREAM..]`.
    ids: Vec<ObjectId>,
    sent: usize,
    jobs: Option<mpsc::SyncSender<Job>>,
    /// Streams this thread compressed itself, and its compressor.
    done: Vec<Job>,
    own: Option<Deflater>,
    queue: Arc<Mutex<mpsc::Receiver<Job>>>,
    workers: Vec<std::thread::JoinHandle<Vec<Job>>>,
}

impl ObjectStreams {
    /// Starts the compressing workers: one per core but the caller's.
    pub fn new() -> ObjectStreams {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(2, 8) - 1;
        // A few streams may wait; beyond that the caller waits too, so a large kaart never
        // holds more than a handful of uncompressed streams.
        let (tx, rx) = mpsc::sync_channel::<Job>(2 * threads);
        let queue = Arc::new(Mutex::new(rx));
        let workers = (0..threads)
            .map(|_| {
                let queue = Arc::clone(&queue);
                std::thread::spawn(move || {
                    let mut done = Vec::new();
                    compress_jobs(&queue, &mut done);
                    done
                })
            })
            .collect();
        ObjectStreams {
            index: Vec::with_capacity(PER_STREAM),
            body: Vec::new(),
            ids: Vec::new(),
            sent: 0,
            jobs: Some(tx),
            done: Vec::new(),
            own: None,
            queue,
            workers,
        }
    }

    /// Starts object `id`: what is written to the returned buffer, up to the next `begin` or
    /// `finish`, is the object.
    pub fn begin(&mut self, id: ObjectId) -> &mut Vec<u8> {
        if self.index.len() == PER_STREAM {
            self.send();
        }
        if !self.body.is_empty() {
            self.body.push(b'\n');
        }
        self.index.push((id, self.body.len()));
        self.ids.push(id);
        &mut self.body
    }

    /// Hands the stream being filled to the workers: its header (id and offset per object),
    /// then the objects.
    fn send(&mut self) {
        if self.index.is_empty() {
            return;
        }
        let mut bytes = Vec::with_capacity(self.index.len() * 12 + self.body.len());
        for (id, at) in self.index.drain(..) {
            syntax::int(&mut bytes, i64::from(id.0));
            bytes.push(b' ');
            syntax::int(&mut bytes, at as i64);
            bytes.push(b' ');
        }
        let first = bytes.len();
        bytes.append(&mut self.body);
        let job = (self.sent, bytes, first);
        // When the workers are behind, this thread compresses the stream itself rather than
        // queue it: memory stays bounded and no thread waits. (A worker only stops early by
        // panicking, which `finish` reports.)
        if let Some(jobs) = &self.jobs
            && let Err(mpsc::TrySendError::Full((k, bytes, first))) = jobs.try_send(job)
        {
            let packed = self.own.get_or_insert_with(Deflater::for_objects).deflate(&bytes);
            self.done.push((k, packed, first));
        }
        self.sent += 1;
    }

    /// Waits for the workers: the compressed streams in order, each with its object count and
    /// the offset of its first object, and the ids of all objects packed.
    fn finish(mut self) -> (Vec<Packed>, Vec<ObjectId>) {
        self.send();
        self.jobs = None;
        // This thread has nothing else to do: it takes its share of what is left.
        let mut done: Vec<Job> = std::mem::take(&mut self.done);
        compress_jobs(&self.queue, &mut done);
        for w in self.workers.drain(..) {
            done.extend(w.join().expect("internal error: a compressing thread panicked"));
        }
        done.sort_unstable_by_key(|d| d.0);
        assert_eq!(done.len(), self.sent, "internal error: an object stream went missing");
        let ids = std::mem::take(&mut self.ids);
        let streams = done
            .into_iter()
            .enumerate()
            .map(|(k, (_, bytes, first))| Packed { bytes, objects: PER_STREAM.min(ids.len() - k * PER_STREAM), first })
            .collect();
        (streams, ids)
    }
}

/// A compressed object stream.
struct Packed {
    bytes: Vec<u8>,
    objects: usize,
    /// Where the first object starts, after the header.
    first: usize,
}

/// One cross-reference entry: free, at a byte offset, or inside an object stream.
#[derive(Clone, Copy)]
enum Entry {
    Free,
    At(u64),
    InStream(u32, u16),
}

/// A writer that counts the bytes it has passed on: the offsets the cross-reference table needs.
struct Counting<W> {
    inner: W,
    at: u64,
}

impl<W: Write> Counting<W> {
    fn put(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.inner.write_all(bytes)?;
        self.at += bytes.len() as u64;
        Ok(())
    }
}

/// The PDF file for `doc`, whose `trailer` holds `Root`, `Info` and `ID`, plus the objects
/// already in `packed` (ids not used in `doc`), written to `out`. Streams are written as they
/// are, and each is dropped once written; every other object of `doc` joins `packed`.
pub fn serialize<W: Write>(doc: Document, mut packed: ObjectStreams, out: W) -> std::io::Result<()> {
    for (id, o) in &doc.objects {
        // Streams and objects of a later generation cannot go in an object stream (7.5.7).
        if !matches!(o, Object::Stream(_)) && id.1 == 0 {
            write_object(packed.begin(*id), o);
        }
    }
    crate::mark("serialize: doc packed");
    let (groups, ids) = packed.finish();
    crate::mark("serialize: packed finished");
    let mut out = Counting { inner: out, at: 0 };
    out.put(b"%PDF-")?;
    out.put(doc.version.as_bytes())?;
    out.put(b"\n%\xE2\xE3\xCF\xD3\n")?;

    let max_id = doc.objects.keys().chain(&ids).map(|id| id.0).max().unwrap_or(0);
    let first_stream = max_id + 1;
    let xref_id = first_stream + groups.len() as u32;
    let mut entries = vec![Entry::Free; xref_id as usize + 1];

    let Document { objects, trailer, .. } = doc;
    let mut buf = Vec::new();
    for (id, o) in objects {
        if matches!(o, Object::Stream(_)) || id.1 != 0 {
            entries[id.0 as usize] = Entry::At(out.at);
            buf.clear();
            buf.extend_from_slice(format!("{} {} obj\n", id.0, id.1).as_bytes());
            write_object(&mut buf, &o);
            buf.extend_from_slice(b"\nendobj\n");
            out.put(&buf)?;
        }
    }

    for (k, Packed { bytes, objects: n, first }) in groups.into_iter().enumerate() {
        let stream_id = first_stream + k as u32;
        for (index, id) in ids[k * PER_STREAM..k * PER_STREAM + n].iter().enumerate() {
            entries[id.0 as usize] = Entry::InStream(stream_id, index as u16);
        }
        entries[stream_id as usize] = Entry::At(out.at);
        buf.clear();
        buf.extend_from_slice(format!("{stream_id} 0 obj\n").as_bytes());
        let dict = dictionary! {
            "Type" => "ObjStm",
            "N" => n as i64,
            "First" => first as i64,
            "Filter" => "FlateDecode",
            "Length" => bytes.len() as i64,
        };
        write_dict(&mut buf, &dict);
        buf.extend_from_slice(b"\nstream\n");
        out.put(&buf)?;
        out.put(&bytes)?;
        out.put(b"\nendstream\nendobj\n")?;
    }

    crate::mark("serialize: all written");
    // The cross-reference stream, which also carries the trailer.
    let xref_at = out.at;
    entries[xref_id as usize] = Entry::At(xref_at);
    let table = xref_table(&entries);
    let (w1, w2) = (table.widths.0 as i64, table.widths.1 as i64);
    let mut dict = dictionary! {
        "Type" => "XRef",
        "Size" => entries.len() as i64,
        "W" => vec![1.into(), w1.into(), w2.into()],
        "Filter" => "FlateDecode",
        "DecodeParms" => dictionary! { "Predictor" => 12, "Columns" => 1 + w1 + w2 },
        "Length" => table.bytes.len() as i64,
    };
    for key in [&b"Root"[..], b"Info", b"ID"] {
        if let Ok(v) = trailer.get(key) {
            dict.set(key.to_vec(), v.clone());
        }
    }
    buf.clear();
    buf.extend_from_slice(format!("{xref_id} 0 obj\n").as_bytes());
    write_dict(&mut buf, &dict);
    buf.extend_from_slice(b"\nstream\n");
    out.put(&buf)?;
    out.put(&table.bytes)?;
    out.put(b"\nendstream\nendobj\n")?;
    out.put(format!("startxref\n{xref_at}\n%%EOF\n").as_bytes())?;
    out.inner.flush()
}

/// A compressed cross-reference table.
struct XrefTable {
    /// Widths of the second and third field (the first is one byte).
    widths: (usize, usize),
    bytes: Vec<u8>,
}

/// The fewest bytes that hold `n` (at least one).
fn width(n: u64) -> usize {
    (8 - n.leading_zeros() as usize / 8).max(1)
}

/// The entries as rows of the narrowest widths that hold them, each row stored as its difference
/// from the row above (PNG "Up", predictor 12): consecutive objects in one object stream give
/// rows of zeros and ones, which deflate to almost nothing (7.5.8.2, 7.4.4.4).
fn xref_table(entries: &[Entry]) -> XrefTable {
    let fields = |e: &Entry| -> (u8, u64, u64) {
        match *e {
            Entry::Free => (0, 0, 0),
            Entry::At(off) => (1, off, 0),
            Entry::InStream(s, i) => (2, u64::from(s), u64::from(i)),
        }
    };
    let (mut max2, mut max3) = (0, 0);
    for e in entries {
        let (_, a, b) = fields(e);
        max2 = max2.max(a);
        max3 = max3.max(b);
    }
    let (w2, w3) = (width(max2), width(max3));
    let row = 1 + w2 + w3;
    let mut rows = vec![0u8; entries.len() * (row + 1)];
    let mut prev = vec![0u8; row];
    let mut cur = vec![0u8; row];
    for (e, out) in entries.iter().zip(rows.chunks_exact_mut(row + 1)) {
        let (t, a, b) = fields(e);
        cur[0] = t;
        cur[1..1 + w2].copy_from_slice(&a.to_be_bytes()[8 - w2..]);
        cur[1 + w2..].copy_from_slice(&b.to_be_bytes()[8 - w3..]);
        out[0] = 2;
        for ((o, c), p) in out[1..].iter_mut().zip(&cur).zip(&prev) {
            *o = c.wrapping_sub(*p);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    XrefTable { widths: (w2, w3), bytes: Deflater::for_objects().deflate(&rows) }
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
        let mut bytes = Vec::new();
        serialize(doc, ObjectStreams::new(), &mut bytes).unwrap();
        let back = Document::load_mem(&bytes).expect("lopdf parses our file");
        assert_eq!(back.get_pages().len(), 1);
    }

    #[test]
    fn packed_objects_keep_their_ids_across_many_streams() {
        let mut doc = Document::with_version("1.7");
        let pages = doc.new_object_id();
        doc.objects.insert(
            pages,
            Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => Vec::<Object>::new(), "Count" => 0 }),
        );
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages });
        doc.trailer.set("Root", catalog);
        let mut packed = ObjectStreams::new();
        let n = PER_STREAM as u32 * 2 + 17;
        for k in 0..n {
            let o = packed.begin((1000 + k, 0));
            o.extend_from_slice(b"<</K ");
            syntax::int(o, i64::from(k));
            o.extend_from_slice(b">>");
        }
        let mut bytes = Vec::new();
        serialize(doc, packed, &mut bytes).unwrap();
        let back = Document::load_mem(&bytes).expect("lopdf parses our file");
        for k in [0, 1, PER_STREAM as u32 - 1, PER_STREAM as u32, n - 1] {
            let d = back.get_dictionary((1000 + k, 0)).expect("packed object");
            assert_eq!(d.get(b"K").unwrap().as_i64().unwrap(), i64::from(k));
        }
    }

    #[test]
    fn xref_rows_are_as_narrow_as_their_values_and_undo_the_up_predictor() {
        assert_eq!((width(0), width(255), width(256), width(70_000)), (1, 1, 2, 3));
        let entries = [Entry::Free, Entry::At(15), Entry::InStream(70_000, 3), Entry::InStream(70_000, 4)];
        let t = xref_table(&entries);
        assert_eq!(t.widths, (3, 1));
        let mut rows = vec![0u8; 64];
        let n = libdeflater::Decompressor::new().zlib_decompress(&t.bytes, &mut rows).unwrap();
        rows.truncate(n);
        let mut prev = [0u8; 5];
        let mut decoded = Vec::new();
        for row in rows.chunks_exact(6) {
            assert_eq!(row[0], 2, "every row uses the Up predictor");
            for k in 0..5 {
                prev[k] = prev[k].wrapping_add(row[1 + k]);
            }
            decoded.push(prev);
        }
        assert_eq!(decoded, [[0, 0, 0, 0, 0], [1, 0, 0, 15, 0], [2, 1, 0x11, 0x70, 3], [2, 1, 0x11, 0x70, 4]]);
    }
}
