//! Builds real PDFs from the example data and from fixtures, reopens them with lopdf and checks
//! what a reader relies on: every link and bookmark resolves, every intervention has its named
//! destination, its bookmarks and a detail page two clicks from the cover, the text holds every
//! name, and the same input gives the same bytes.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};

use kaart::{BuildOptions, Paper};
use lopdf::{Document, Object, ObjectId};

fn opts(data: &str, paper: Paper) -> BuildOptions {
    BuildOptions {
        data: PathBuf::from(data),
        output: std::env::temp_dir().join("unused.pdf"),
        paper,
        strict: false,
        source_date_epoch: None,
        untagged: false,
    }
}

fn compile(data: &str, paper: Paper) -> Vec<u8> {
    match kaart::compile(&opts(data, paper)) {
        Ok((bytes, _)) => bytes,
        Err(kaart::Error::Invalid(d)) => {
            panic!("{data} is invalid: {}", d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n"))
        }
        Err(e) => panic!("{e}"),
    }
}

/// The reopened PDF with the lookups the tests need.
struct Pdf {
    doc: Document,
    /// Page object ids in page order.
    pages: Vec<ObjectId>,
    /// Named destination -> page index.
    dests: BTreeMap<String, usize>,
}

impl Pdf {
    fn open(bytes: &[u8]) -> Pdf {
        let doc = Document::load_mem(bytes).expect("lopdf reopens the PDF");
        let pages: Vec<ObjectId> = doc.get_pages().into_values().collect();
        let mut pdf = Pdf { doc, pages, dests: BTreeMap::new() };
        let names = pdf.catalog().get(b"Names").and_then(|n| pdf.resolve(n).as_dict().cloned()).expect("/Names");
        let root = names.get(b"Dests").expect("/Names /Dests").clone();
        let mut out = BTreeMap::new();
        pdf.walk_name_tree(&root, &mut out, true);
        pdf.dests = out;
        pdf
    }

    fn catalog(&self) -> &lopdf::Dictionary {
        self.doc.catalog().expect("catalog")
    }

    fn resolve<'a>(&'a self, o: &'a Object) -> &'a Object {
        match o {
            Object::Reference(id) => self.doc.get_object(*id).expect("object exists"),
            other => other,
        }
    }

    fn page_index(&self, id: ObjectId) -> usize {
        self.pages.iter().position(|p| *p == id).unwrap_or_else(|| panic!("{id:?} is not a page in the page tree"))
    }

    /// Page index of an explicit destination array.
    fn array_dest(&self, arr: &[Object]) -> usize {
        match arr.first() {
            Some(Object::Reference(id)) => self.page_index(*id),
            other => panic!("destination does not start with a page reference: {other:?}"),
        }
    }

    fn walk_name_tree(&self, node: &Object, out: &mut BTreeMap<String, usize>, root: bool) {
        let dict = self.resolve(node).as_dict().expect("name tree node is a dictionary");
        if !root {
            assert!(dict.has(b"Limits"), "non-root name tree node without /Limits");
        }
        if let Ok(kids) = dict.get(b"Kids") {
            for k in self.resolve(kids).as_array().expect("kids") {
                self.walk_name_tree(k, out, false);
            }
        }
        if let Ok(names) = dict.get(b"Names") {
            let arr = self.resolve(names).as_array().expect("names array");
            let mut prev: Option<Vec<u8>> = None;
            for pair in arr.chunks(2) {
                let key = pair[0].as_str().expect("name key is a string").to_vec();
                if let Some(p) = &prev {
                    assert!(p < &key, "name tree not sorted byte-wise at {}", String::from_utf8_lossy(&key));
                }
                prev = Some(key.clone());
                let dest = self.resolve(&pair[1]).as_array().expect("dest array");
                out.insert(String::from_utf8(key).expect("utf-8 name"), self.array_dest(dest));
            }
            if let Ok(limits) = dict.get(b"Limits") {
                let l = self.resolve(limits).as_array().expect("limits");
                assert_eq!(l[0].as_str().unwrap(), arr[0].as_str().unwrap(), "first /Limits");
                assert_eq!(l[1].as_str().unwrap(), arr[arr.len() - 2].as_str().unwrap(), "last /Limits");
            }
        }
    }

    /// Where a /Dest value points: a name or an explicit array.
    fn dest_page(&self, dest: &Object) -> usize {
        match self.resolve(dest) {
            Object::String(s, _) => {
                let name = String::from_utf8_lossy(s).into_owned();
                *self.dests.get(&name).unwrap_or_else(|| panic!("link to unknown destination {name:?}"))
            }
            Object::Array(a) => self.array_dest(a),
            other => panic!("unexpected destination {other:?}"),
        }
    }

    /// Internal link targets (page indexes) and external URIs per page.
    fn links(&self) -> Vec<(Vec<usize>, Vec<String>)> {
        self.pages
            .iter()
            .map(|&id| {
                let mut internal = Vec::new();
                let mut external = Vec::new();
                for annot in self.doc.get_page_annotations(id).expect("annotations") {
                    assert_eq!(annot.get(b"Subtype").unwrap().as_name().unwrap(), b"Link");
                    assert!(annot.has(b"Contents"), "a link without /Contents");
                    if let Ok(d) = annot.get(b"Dest") {
                        internal.push(self.dest_page(d));
                    } else {
                        let a = self.resolve(annot.get(b"A").expect("/Dest or /A")).as_dict().unwrap();
                        assert_eq!(a.get(b"S").unwrap().as_name().unwrap(), b"URI", "only URI actions");
                        external.push(String::from_utf8_lossy(a.get(b"URI").unwrap().as_str().unwrap()).into_owned());
                    }
                }
                (internal, external)
            })
            .collect()
    }

    /// The outline as (depth, title, page, path of ancestor titles).
    fn outline(&self) -> Vec<(usize, String, usize, Vec<String>)> {
        let root = self.resolve(self.catalog().get(b"Outlines").expect("/Outlines")).as_dict().unwrap();
        let mut out = Vec::new();
        let mut stack = Vec::new();
        self.walk_outline(root.get(b"First").ok(), 0, &mut stack, &mut out);
        out
    }

    fn walk_outline<'a>(
        &'a self,
        mut item: Option<&'a Object>,
        depth: usize,
        path: &mut Vec<String>,
        out: &mut Vec<(usize, String, usize, Vec<String>)>,
    ) {
        while let Some(o) = item {
            let d = self.resolve(o).as_dict().unwrap();
            let title = decode_text(d.get(b"Title").unwrap().as_str().unwrap());
            let page = self.dest_page(d.get(b"Dest").expect("outline item with /Dest"));
            out.push((depth, title.clone(), page, path.clone()));
            path.push(title);
            self.walk_outline(d.get(b"First").ok(), depth + 1, path, out);
            path.pop();
            item = d.get(b"Next").ok();
        }
    }
}

fn decode_text(bytes: &[u8]) -> String {
    if bytes.starts_with(&[0xFE, 0xFF]) {
        let units: Vec<u16> = bytes[2..].chunks(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
        String::from_utf16(&units).unwrap()
    } else {
        // PDFDocEncoding, of which kaart writes the Latin-1 part only.
        bytes.iter().map(|&b| char::from(b)).collect()
    }
}

fn data_ids(dir: &str) -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(Path::new(dir).join("interventies"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.strip_suffix(".yaml").map(str::to_string))
        .collect();
    ids.sort();
    ids
}

fn catalogue(dir: &str) -> kaart::validate::Catalogue {
    kaart::check(Path::new(dir), false, None).expect("valid data").0
}

const EDGE: &str = "tests/fixtures/valid/edge";
/// One intervention whose name is a single 136-letter word, a white domain, names too long for
/// any chip or tab, forty long source URLs.
const EXTREME: &str = "tests/fixtures/valid/extreme";

#[test]
fn every_link_and_bookmark_resolves_and_links_are_safe() {
    for (dir, paper) in [("data", Paper::A4Landscape), (EDGE, Paper::A4Portrait), (EXTREME, Paper::A4Portrait)] {
        let pdf = Pdf::open(&compile(dir, paper));
        for (internal, external) in pdf.links() {
            assert!(internal.iter().all(|&p| p < pdf.pages.len()));
            for url in external {
                assert!(
                    ["http://", "https://", "mailto:", "tel:"].iter().any(|s| url.starts_with(s)),
                    "unsafe link {url}"
                );
            }
        }
        assert!(pdf.outline().len() > 10, "{dir}: outline too small");
    }
}

#[test]
fn every_intervention_has_destination_bookmarks_and_is_two_clicks_from_the_cover() {
    for dir in ["data", EDGE, EXTREME] {
        let cat = catalogue(dir);
        let pdf = Pdf::open(&compile(dir, Paper::A4Landscape));
        let outline = pdf.outline();
        let links = pdf.links();
        // Breadth-first over link clicks from the cover.
        let mut dist = vec![usize::MAX; pdf.pages.len()];
        dist[0] = 0;
        let mut queue = VecDeque::from([0usize]);
        while let Some(p) = queue.pop_front() {
            for &q in &links[p].0 {
                if dist[q] == usize::MAX {
                    dist[q] = dist[p] + 1;
                    queue.push_back(q);
                }
            }
        }
        assert!(dist.iter().all(|&d| d != usize::MAX), "{dir}: a page is unreachable from the cover");
        for it in &cat.interventions {
            let page = *pdf.dests.get(&it.id).unwrap_or_else(|| panic!("no named destination {}", it.id));
            assert!(dist[page] <= 2, "{dir}: {} is {} clicks from the cover", it.id, dist[page]);
            let entries: Vec<_> = outline.iter().filter(|(_, t, p, _)| *t == it.name && *p == page).collect();
            for d in &it.domains {
                let name = &cat.kaart.domains.iter().find(|x| &x.id == d).unwrap().name;
                assert!(
                    entries.iter().any(|(_, _, _, path)| path == &["Domeinen".to_string(), name.clone()]),
                    "{}: no bookmark under Domeinen > {name}",
                    it.id
                );
            }
            for g in &it.target_groups {
                let name = &cat.kaart.target_groups.iter().find(|x| &x.id == g).unwrap().name;
                assert!(
                    entries.iter().any(|(_, _, _, path)| path == &["Doelgroepen".to_string(), name.clone()]),
                    "{}: no bookmark under Doelgroepen > {name}",
                    it.id
                );
            }
        }
        for fixed in ["start", "a-z", "inleiding", "doelgroepen", "financiering"] {
            assert!(pdf.dests.contains_key(fixed), "{dir}: no destination {fixed}");
        }
        for d in &cat.kaart.domains {
            assert!(pdf.dests.contains_key(&format!("domein-{}", d.id)));
        }
        assert_eq!(pdf.dests["start"], 0);
    }
}

#[test]
fn named_destinations_match_the_files() {
    let pdf = Pdf::open(&compile(EDGE, Paper::A4Landscape));
    for id in data_ids(EDGE) {
        assert!(pdf.dests.contains_key(&id), "no destination for {id}");
    }
    // Two interventions share a name: both have their own page.
    assert_ne!(pdf.dests["drie-dubbel"], pdf.dests["vier-dubbel"]);
}

#[test]
fn catalog_has_language_labels_and_viewer_settings() {
    let pdf = Pdf::open(&compile(EDGE, Paper::A4Landscape));
    let c = pdf.catalog();
    assert_eq!(decode_text(c.get(b"Lang").unwrap().as_str().unwrap()), "nl-NL");
    assert_eq!(c.get(b"PageMode").unwrap().as_name().unwrap(), b"UseOutlines");
    let vp = pdf.resolve(c.get(b"ViewerPreferences").unwrap()).as_dict().unwrap();
    assert!(vp.get(b"DisplayDocTitle").unwrap().as_bool().unwrap());
    let labels = pdf.resolve(c.get(b"PageLabels").unwrap()).as_dict().unwrap();
    let nums = labels.get(b"Nums").unwrap().as_array().unwrap();
    assert_eq!(nums[0].as_i64().unwrap(), 0);
    assert!(c.has(b"Metadata"));
    assert!(!c.has(b"OpenAction") && !c.has(b"AA"), "no actions on open");
    let info = pdf.resolve(pdf.doc.trailer.get(b"Info").unwrap()).as_dict().unwrap();
    assert!(decode_text(info.get(b"Title").unwrap().as_str().unwrap()).starts_with("Randgevallen-kaart"));
    assert_eq!(info.get(b"CreationDate").unwrap().as_str().unwrap(), b"D:20260630000000Z");
}

/// Text as a reader's viewer extracts it (poppler), when it is installed.
fn pdftotext(bytes: &[u8]) -> Option<String> {
    pdftotext_with(bytes, &[])
}

fn pdftotext_with(bytes: &[u8], args: &[&str]) -> Option<String> {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let k = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("kaart-text-{}-{k}.pdf", std::process::id()));
    std::fs::write(&path, bytes).ok()?;
    let out =
        std::process::Command::new("pdftotext").args(["-enc", "UTF-8"]).args(args).arg(&path).arg("-").output().ok();
    let _ = std::fs::remove_file(&path);
    out.filter(|o| o.status.success()).map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
}

/// Plain `pdftotext` (poppler's reading order, which many tools and viewers share) reads a
/// detail page's two columns one after the other, as a person does: its field labels come out
/// in the order of the content stream (`-raw`), which is the layout's reading order.
#[test]
fn plain_pdftotext_reads_the_columns_of_detail_pages_in_order() {
    let bytes = compile("data", Paper::A4Landscape);
    let (Some(plain), Some(raw)) = (pdftotext(&bytes), pdftotext_with(&bytes, &["-raw"])) else {
        eprintln!("pdftotext not installed: skipped (CI installs poppler-utils)");
        return;
    };
    const LABELS: [&str; 9] = [
        "Beschrijving",
        "Doel",
        "Werkwijze",
        "Indicatie: wanneer inzetten",
        "Contra-indicatie",
        "Aanmelding",
        "Praktisch",
        "Verwant",
        "Bronnen",
    ];
    let labels = |page: &str| -> Vec<String> {
        page.lines().map(str::trim).filter(|l| LABELS.contains(l)).map(str::to_string).collect()
    };
    let (mut pages, mut wrong) = (0, Vec::new());
    for (k, (p, r)) in plain.split('\u{c}').zip(raw.split('\u{c}')).enumerate() {
        let want = labels(r);
        if want.len() < 2 {
            continue;
        }
        pages += 1;
        if labels(p) != want {
            wrong.push(k + 1);
        }
    }
    assert!(pages > 100, "the example has a detail page per intervention: {pages}");
    // One page may still have both columns full to the bottom, where no layout rule fits.
    assert!(wrong.len() <= 1, "labels out of order on pages {wrong:?} of {pages}");
}

/// The last lines of an intervention ("Bijgewerkt", "Reageer op deze interventie") never make a
/// page of their own: where they do not fit in the last column, they take the line below it.
#[test]
fn no_continuation_page_holds_only_the_closing_lines() {
    let bytes = compile("data", Paper::A4Landscape);
    let Some(raw) = pdftotext_with(&bytes, &["-raw"]) else {
        eprintln!("pdftotext not installed: skipped (CI installs poppler-utils)");
        return;
    };
    let mut tail_only = Vec::new();
    for (k, page) in raw.split('\u{c}').enumerate() {
        let lines: Vec<&str> = page.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        let Some(start) = lines.iter().position(|l| l.starts_with("‹ vervolg van pagina")) else { continue };
        let body: Vec<&&str> = lines[start + 1..]
            .iter()
            .filter(|l| !l.starts_with("Interventiekaart") && !l.starts_with("pagina ") && !l.starts_with("Vervolg op"))
            .collect();
        if body.iter().all(|l| l.starts_with("Bijgewerkt") || l.starts_with("Reageer")) {
            tail_only.push(k + 1);
        }
    }
    assert!(tail_only.is_empty(), "pages with only the closing lines: {tail_only:?}");
}

#[test]
fn extracted_text_holds_every_name_with_its_diacritics() {
    let bytes = compile(EDGE, Paper::A4Landscape);
    let Some(text) = pdftotext(&bytes) else {
        eprintln!("pdftotext not installed: skipped (CI installs poppler-utils)");
        return;
    };
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for it in catalogue(EDGE).interventions {
        assert!(flat.contains(&it.name), "{:?} not in the extracted text", it.name);
    }
    for word in ["één", "café-aanpak", "€", "O³", "ĳ", "Arbeidsongeschiktheids"] {
        assert!(flat.contains(word), "{word} not extracted");
    }
    assert!(!flat.contains('\u{AD}'), "no soft hyphens in the text");
}

#[test]
fn same_input_same_bytes_in_one_process() {
    let a = compile(EDGE, Paper::A4Landscape);
    let b = compile(EDGE, Paper::A4Landscape);
    assert!(a == b, "two builds in one process differ");
    let c = compile(EDGE, Paper::A4Portrait);
    assert!(a != c, "paper size changes the output");
}

#[test]
fn same_input_same_bytes_across_runs_clocks_and_folders() {
    let bin = env!("CARGO_BIN_EXE_kaart");
    let dir = std::env::temp_dir().join(format!("kaart-det-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let data = std::fs::canonicalize(EDGE).unwrap();
    let run = |out: &str, cwd: &Path, tz: &str| {
        let status = std::process::Command::new(bin)
            .current_dir(cwd)
            .env("TZ", tz)
            .env_remove("SOURCE_DATE_EPOCH")
            .args(["build", "--data"])
            .arg(&data)
            .arg("-o")
            .arg(dir.join(out))
            .output()
            .unwrap();
        assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
        std::fs::read(dir.join(out)).unwrap()
    };
    let a = run("a.pdf", Path::new("."), "UTC");
    let b = run("b.pdf", &dir, "Pacific/Auckland");
    assert!(a == b, "two runs of the binary differ");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn fonts_are_embedded_subsets_with_tounicode() {
    let bytes = compile(EDGE, Paper::A4Landscape);
    let pdf = Pdf::open(&bytes);
    let mut fonts = BTreeSet::new();
    for &p in &pdf.pages {
        for (name, f) in pdf.doc.get_page_fonts(p).unwrap() {
            if fonts.insert(name) {
                assert!(f.has(b"ToUnicode"), "font without ToUnicode");
                let desc = f.get(b"DescendantFonts").unwrap();
                let cid = pdf.resolve(&pdf.resolve(desc).as_array().unwrap()[0]).as_dict().unwrap();
                let fd = pdf.resolve(cid.get(b"FontDescriptor").unwrap()).as_dict().unwrap();
                let file = pdf.resolve(fd.get(b"FontFile2").expect("embedded TrueType")).as_stream().unwrap();
                let len = file.content.len();
                assert!(len < 60_000, "font program is {len} bytes: not subset");
            }
        }
    }
    assert_eq!(fonts.len(), 2, "regular and bold");
    assert!(bytes.len() < 150_000, "the edge kaart is {} bytes", bytes.len());
}

/// Per font resource name: its /Encoding, as the name of the CMap.
fn font_encodings(pdf: &Pdf) -> BTreeMap<Vec<u8>, Vec<u8>> {
    let mut out = BTreeMap::new();
    for &p in &pdf.pages {
        for (name, f) in pdf.doc.get_page_fonts(p).unwrap() {
            let enc = match pdf.resolve(f.get(b"Encoding").unwrap()) {
                Object::Name(n) => n.clone(),
                Object::Stream(s) => s.dict.get(b"CMapName").unwrap().as_name().unwrap().to_vec(),
                other => panic!("unexpected encoding {other:?}"),
            };
            out.insert(name, enc);
        }
    }
    out
}

#[test]
fn text_takes_one_byte_per_glyph_unless_a_font_needs_more_than_256() {
    let pdf = Pdf::open(&compile(EDGE, Paper::A4Landscape));
    for (name, enc) in font_encodings(&pdf) {
        assert_eq!(enc, b"Kaart-OneByte-H", "font {}", String::from_utf8_lossy(&name));
    }

    // Latin Extended-A, Greek and Cyrillic in one description: the regular face needs more
    // than 256 glyphs and keeps two-byte codes; the bold one still fits in a byte.
    let bytes = compile("tests/fixtures/valid/many-glyphs", Paper::A4Landscape);
    let encodings = font_encodings(&Pdf::open(&bytes));
    assert_eq!(encodings.values().filter(|e| e.as_slice() == b"Identity-H").count(), 1, "{encodings:?}");
    assert_eq!(encodings.values().filter(|e| e.as_slice() == b"Kaart-OneByte-H").count(), 1, "{encodings:?}");
    let Some(text) = pdftotext(&bytes) else {
        eprintln!("pdftotext not installed: skipped (CI installs poppler-utils)");
        return;
    };
    for word in ["ĀāĂăĄąĆćĈĉĊċČčĎď", "ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠ", "абвгдежзийклмноп", "Budgetcoaching", "financiën"]
    {
        assert!(text.contains(word), "{word} not extracted");
    }
}

/// The structure tree as a reader walks it: each element's type, and who holds each marked
/// content id and each annotation.
#[derive(Default)]
struct Tags {
    types: BTreeMap<ObjectId, Vec<u8>>,
    /// (page index, MCID) -> the element whose /K has it.
    mcids: BTreeMap<(usize, i64), ObjectId>,
    /// Annotation -> the element whose /K has an /OBJR to it.
    objrs: BTreeMap<ObjectId, ObjectId>,
}

impl Pdf {
    fn walk_tags(&self, id: ObjectId, parent: ObjectId, page: Option<usize>, tags: &mut Tags) {
        let e = self.doc.get_dictionary(id).expect("a structure element is an indirect dictionary");
        assert_eq!(e.get(b"P").unwrap().as_reference().unwrap(), parent, "/P of {id:?} is its parent");
        let s = e.get(b"S").unwrap().as_name().unwrap().to_vec();
        assert!(tags.types.insert(id, s).is_none(), "{id:?} is in the tree twice");
        let page = match e.get(b"Pg") {
            Ok(pg) => Some(self.page_index(pg.as_reference().unwrap())),
            Err(_) => page,
        };
        let kids = match e.get(b"K") {
            Ok(Object::Array(a)) => a.clone(),
            Ok(k) => vec![k.clone()],
            Err(_) => Vec::new(),
        };
        for kid in kids {
            match kid {
                Object::Integer(mcid) => {
                    let p = page.expect("an MCID kid has a page");
                    assert!(tags.mcids.insert((p, mcid), id).is_none(), "MCID {mcid} on page {p} held twice");
                }
                Object::Reference(k) => match self.doc.get_dictionary(k).ok().and_then(|d| d.get(b"Type").ok()) {
                    Some(t) if t.as_name().unwrap() == b"OBJR" => unreachable!("OBJRs are direct"),
                    _ => self.walk_tags(k, id, page, tags),
                },
                Object::Dictionary(d) => match d.get(b"Type").unwrap().as_name().unwrap() {
                    b"OBJR" => {
                        let annot = d.get(b"Obj").unwrap().as_reference().unwrap();
                        assert!(tags.objrs.insert(annot, id).is_none(), "annotation {annot:?} held twice");
                    }
                    b"MCR" => {
                        let p = self.page_index(d.get(b"Pg").unwrap().as_reference().unwrap());
                        let mcid = d.get(b"MCID").unwrap().as_i64().unwrap();
                        assert!(tags.mcids.insert((p, mcid), id).is_none(), "MCID {mcid} on page {p} held twice");
                    }
                    other => panic!("unexpected kid type {other:?}"),
                },
                other => panic!("unexpected kid {other:?}"),
            }
        }
    }

    /// The entries of a number tree, checking each node's /Limits.
    fn walk_number_tree(&self, node: &Object, root: bool, out: &mut BTreeMap<i64, Object>, nodes: &mut usize) {
        *nodes += 1;
        let d = self.resolve(node).as_dict().expect("number tree node");
        assert_eq!(d.has(b"Limits"), !root, "only the root of a number tree has no /Limits");
        let mut keys = Vec::new();
        if let Ok(nums) = d.get(b"Nums") {
            for pair in nums.as_array().unwrap().chunks(2) {
                let k = pair[0].as_i64().unwrap();
                keys.push(k);
                assert!(out.insert(k, pair[1].clone()).is_none(), "key {k} twice");
            }
        }
        if let Ok(kids) = d.get(b"Kids") {
            for kid in kids.as_array().unwrap() {
                let before: Vec<i64> = out.keys().copied().collect();
                self.walk_number_tree(kid, false, out, nodes);
                keys.extend(out.keys().filter(|k| !before.contains(k)));
            }
        }
        if let Ok(limits) = d.get(b"Limits") {
            let l = limits.as_array().unwrap();
            let (lo, hi) = (l[0].as_i64().unwrap(), l[1].as_i64().unwrap());
            assert!(keys.iter().all(|k| (lo..=hi).contains(k)), "keys outside /Limits [{lo} {hi}]");
        }
    }
}

/// Every marked-content id and every link annotation is held by exactly one structure element,
/// and the parent tree (split in leaves) maps each page's MCIDs and each annotation's
/// `/StructParent` back to that element, as screen readers and the `pdfcheck --ua` checks ask.
#[test]
fn the_parent_tree_maps_every_mcid_and_annotation_to_its_element() {
    for data in ["data", EDGE] {
        let pdf = Pdf::open(&compile(data, Paper::A4Landscape));
        let root_ref = pdf.catalog().get(b"StructTreeRoot").unwrap().as_reference().unwrap();
        let root = pdf.doc.get_dictionary(root_ref).unwrap();
        let mut tags = Tags::default();
        let document = root.get(b"K").unwrap().as_reference().unwrap();
        pdf.walk_tags(document, root_ref, None, &mut tags);
        assert_eq!(tags.types[&document], b"Document");

        let mut parent_tree = BTreeMap::new();
        let mut nodes = 0;
        pdf.walk_number_tree(root.get(b"ParentTree").unwrap(), true, &mut parent_tree, &mut nodes);
        let next = root.get(b"ParentTreeNextKey").unwrap().as_i64().unwrap();
        assert!(parent_tree.keys().all(|&k| k < next), "{data}: /ParentTreeNextKey after every key");

        let mut annots = 0;
        for (p, &page_id) in pdf.pages.iter().enumerate() {
            let page = pdf.doc.get_dictionary(page_id).unwrap();
            let key = page.get(b"StructParents").unwrap().as_i64().unwrap();
            let held: Vec<ObjectId> = tags.mcids.range((p, 0)..(p + 1, 0)).map(|(_, &e)| e).collect();
            let arr = parent_tree[&key].as_array().unwrap();
            let listed: Vec<ObjectId> = arr.iter().map(|o| o.as_reference().unwrap()).collect();
            assert_eq!(listed, held, "{data}: page {p}'s parent tree array lists the holders of MCIDs 0, 1, ...");
            assert!(tags.mcids.range((p, 0)..(p + 1, 0)).enumerate().all(|(i, ((_, m), _))| *m == i as i64));
            let Ok(list) = page.get(b"Annots") else { continue };
            assert_eq!(page.get(b"Tabs").unwrap().as_name().unwrap(), b"S", "{data}: page {p} has /Tabs /S");
            for a in list.as_array().unwrap() {
                let a = a.as_reference().unwrap();
                let key = pdf.doc.get_dictionary(a).unwrap().get(b"StructParent").unwrap().as_i64().unwrap();
                let elem = parent_tree[&key].as_reference().unwrap();
                assert_eq!(tags.objrs.get(&a), Some(&elem), "{data}: annotation {a:?} maps to the element holding it");
                assert_eq!(tags.types[&elem], b"Link");
                annots += 1;
            }
        }
        assert_eq!(annots, tags.objrs.len(), "{data}: every OBJR is a page's annotation");
        if data == "data" {
            assert!(nodes > 2, "the example's parent tree is split in leaves");
        }
    }
}
