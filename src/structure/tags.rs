//! The structure tree of a tagged PDF (ISO 32000-1, 14.7; PDF/UA-1), built from the layout's
//! semantic labels, never from the content streams: render and this module both take the
//! marked-content ids from `Page::mcids`.
//!
//! Tree: `Document` > one `Sect` per part (cover, how-to, each index, each intervention) > one
//! element per layout block: `H1`-`H3`, `P`, `LI` (with `Lbl` and `LBody`) grouped in an `L`,
//! `TOCI` grouped in a `TOC`, navigation as `Link`s in a `Div`. Text that is the visible part of a
//! link sits in a `Link` element that also owns the annotation through an `/OBJR`.

use lopdf::{Dictionary, Document, Object, ObjectId, dictionary};

use super::serialize::ObjectStreams;
use crate::layout::{Item, Layout, Role};
use crate::syntax;

/// No element, page or link: the empty value of the dense tables below.
const NONE: u32 = u32::MAX;

/// A kid of a structure element.
#[derive(Clone, Copy)]
enum Kid {
    Mcid { page: u32, mcid: u32 },
    Elem(u32),
    Objr { page: u32, annot: ObjectId },
}

/// The structure types the tree uses; an element names its type by index.
const TYPES: [&str; 14] =
    ["Document", "Sect", "H1", "H2", "H3", "P", "L", "LI", "Lbl", "LBody", "TOC", "TOCI", "Div", "Link"];

fn type_index(s: &str) -> u8 {
    TYPES.iter().position(|&t| t == s).expect("internal error: a structure type missing from TYPES") as u8
}

/// A structure element. Its kids are kept apart, in one list for the whole tree (`Tree::kids`),
/// each linked to the next kid of the same element: a tagged kaart has millions of elements and
/// kids, and a `Vec` each (or a copy of the list sorted by element) cost time and memory.
struct Elem {
    s: u8,
    parent: u32,
    /// The page of its first content, or `NONE`.
    page: u32,
    /// For a section: the part whose title it carries, or `NONE`.
    part: u32,
    /// Its first and last kid in `Tree::kids`, or `NONE`.
    first: u32,
    last: u32,
}

/// Per block: its element, and the `Lbl`/`LBody` of a list item.
#[derive(Clone, Copy)]
struct BlockElems {
    elem: u32,
    lbl: u32,
    lbody: u32,
}

const NO_BLOCK: BlockElems = BlockElems { elem: NONE, lbl: NONE, lbody: NONE };

struct Tree {
    elems: Vec<Elem>,
    /// Every kid, in the order added, with the index of the next kid of the same element.
    kids: Vec<(Kid, u32)>,
}

impl Tree {
    fn add(&mut self, s: &'static str, parent: u32) -> u32 {
        let i = self.elems.len() as u32;
        self.elems.push(Elem { s: type_index(s), parent, page: NONE, part: NONE, first: NONE, last: NONE });
        self.kid(parent, Kid::Elem(i));
        i
    }

    /// Appends `kid` to element `e`'s kids.
    fn kid(&mut self, e: u32, kid: Kid) {
        let k = self.kids.len() as u32;
        self.kids.push((kid, NONE));
        let elem = &mut self.elems[e as usize];
        match elem.last {
            NONE => elem.first = k,
            last => self.kids[last as usize].1 = k,
        }
        elem.last = k;
    }

    fn mcid(&mut self, e: u32, page: u32, mcid: u32) {
        let elem = &mut self.elems[e as usize];
        if elem.page == NONE {
            elem.page = page;
        }
        self.kid(e, Kid::Mcid { page, mcid });
    }

    /// Element `e`'s kids, in the order added.
    fn kids_of(&self, e: usize) -> impl Iterator<Item = Kid> + '_ {
        let mut k = self.elems[e].first;
        std::iter::from_fn(move || {
            let (kid, next) = *self.kids.get(k as usize)?;
            k = next;
            Some(kid)
        })
    }
}

/// `table[i]`, growing the table with `empty` as needed.
fn slot<T: Copy>(table: &mut Vec<T>, i: usize, empty: T) -> &mut T {
    if table.len() <= i {
        table.resize(i + 1, empty);
    }
    &mut table[i]
}

fn block_type(role: Role) -> (&'static str, Option<&'static str>) {
    match role {
        Role::Heading(1) => ("H1", None),
        Role::Heading(2) => ("H2", None),
        Role::Heading(_) => ("H3", None),
        Role::ListLabel | Role::ListBody => ("LI", Some("L")),
        Role::IndexEntry => ("TOCI", Some("TOC")),
        Role::Nav => ("P", Some("Div")),
        Role::Paragraph | Role::Chip | Role::Artifact => ("P", None),
    }
}

/// Builds the structure tree; returns the `/StructTreeRoot` id. Page p's `/StructParents` key
/// is p (the page objects are written by the caller). `annots[p]` maps each link id on page p
/// to its annotation object. Annotations already carry their `/StructParent` (the keys after
/// the pages', in page and item order), the order this parent tree follows.
///
/// The tree is made and written one part (one `Sect`) at a time: no element crosses a part,
/// and a tagged kaart of ten thousand interventions has millions of elements. Each part's
/// pages are emptied of their items once written.
pub fn build(
    doc: &mut Document,
    raw: &mut ObjectStreams,
    layout: &mut Layout,
    page_ids: &[ObjectId],
    annots: &[Vec<(u32, ObjectId)>],
) -> ObjectId {
    let root_id = doc.new_object_id();
    let document_id = doc.new_object_id();
    let mut sects: Vec<ObjectId> = Vec::new();
    let mut tables = Tables::default();
    let mut tree = Tree { elems: Vec::new(), kids: Vec::new() };
    // The parent tree: page p under key p (its MCIDs' elements in order), then the annotations,
    // in leaves written as the parts are made.
    let mut page_leaves = Leaves::default();
    let mut annot_leaves = Leaves::default();
    let mut annot_key = layout.pages.len() as i64;
    let mut from = 0;
    while from < layout.pages.len() {
        let part = layout.pages[from].part;
        let to = (from..layout.pages.len()).find(|&p| layout.pages[p].part != part).unwrap_or(layout.pages.len());
        let made = part_tree(&mut tree, &mut tables, layout, from..to, annots);
        let ids: Vec<ObjectId> = tree.elems.iter().map(|_| doc.new_object_id()).collect();
        write_elems(raw, &tree, &ids, document_id, layout, page_ids);
        for (k, elems) in made.mcid_parents.iter().enumerate() {
            let nums = page_leaves.key(doc, raw, (from + k) as i64);
            syntax::references(nums, elems.iter().map(|&e| ids[e as usize]));
        }
        for &e in &made.annot_parents {
            syntax::reference(annot_leaves.key(doc, raw, annot_key), ids[e as usize]);
            annot_key += 1;
        }
        sects.push(ids[0]);
        // Nothing later reads these pages' items: their memory goes to what is written next.
        for page in &mut layout.pages[from..to] {
            page.items = Vec::new();
        }
        from = to;
    }

    let d = raw.begin(document_id);
    d.extend_from_slice(b"<</S/Document/P ");
    syntax::reference(d, root_id);
    d.extend_from_slice(b"/K");
    syntax::references(d, sects.iter().copied());
    d.extend_from_slice(b">>");

    page_leaves.flush(doc, raw);
    annot_leaves.flush(doc, raw);
    let parent_tree_id = doc.new_object_id();
    let d = raw.begin(parent_tree_id);
    d.extend_from_slice(b"<</Kids");
    syntax::references(d, page_leaves.ids.iter().chain(&annot_leaves.ids).copied());
    d.extend_from_slice(b">>");
    let root: Dictionary = dictionary! {
        "Type" => "StructTreeRoot",
        "K" => document_id,
        "ParentTree" => parent_tree_id,
        "ParentTreeNextKey" => annot_key,
    };
    doc.objects.insert(root_id, Object::Dictionary(root));
    root_id
}

/// Keys in a number tree (ISO 32000-1, 7.9.7), written as they come in leaves of `LEAF` keys,
/// each an object of its own: as one object, the parent tree of a large kaart was tens of
/// megabytes, held and copied whole.
#[derive(Default)]
struct Leaves {
    ids: Vec<ObjectId>,
    nums: Vec<u8>,
    first: i64,
    last: i64,
    keys: usize,
}

const LEAF: usize = 256;

impl Leaves {
    /// Adds `key` (greater than any before); its value is to be written to the buffer returned.
    fn key(&mut self, doc: &mut Document, raw: &mut ObjectStreams, key: i64) -> &mut Vec<u8> {
        if self.keys == LEAF {
            self.flush(doc, raw);
        }
        if self.keys == 0 {
            self.first = key;
        } else {
            self.nums.push(b' ');
        }
        self.last = key;
        self.keys += 1;
        syntax::int(&mut self.nums, key);
        self.nums.push(b' ');
        &mut self.nums
    }

    /// Writes the leaf being filled, if it has keys.
    fn flush(&mut self, doc: &mut Document, raw: &mut ObjectStreams) {
        if self.keys == 0 {
            return;
        }
        let id = doc.new_object_id();
        let d = raw.begin(id);
        d.extend_from_slice(b"<</Limits[");
        syntax::int(d, self.first);
        d.push(b' ');
        syntax::int(d, self.last);
        d.extend_from_slice(b"]/Nums[");
        d.extend_from_slice(&self.nums);
        d.extend_from_slice(b"]>>");
        self.ids.push(id);
        self.nums.clear();
        self.keys = 0;
    }
}

/// Dense tables from the layout's block and link ids to the elements of the part being made,
/// with the entries set, to clear them for the next part. A part's ids lie in a narrow range,
/// so each table starts at the part's lowest id (a table from 0 took 50 MB at N = 10,000).
#[derive(Default)]
struct Tables {
    blocks: Vec<BlockElems>,
    links: Vec<u32>,
    set_blocks: Vec<usize>,
    set_links: Vec<usize>,
    block_base: u32,
    link_base: u32,
}

impl Tables {
    /// `b` is a block of the part's tagged text: never below `block_base`.
    fn block(&mut self, b: u32) -> &mut BlockElems {
        let i = (b - self.block_base) as usize;
        let e = slot(&mut self.blocks, i, NO_BLOCK);
        if e.elem == NONE {
            self.set_blocks.push(i);
        }
        e
    }

    /// The element made for block `b` so far, if any.
    fn block_elem(&self, b: u32) -> u32 {
        b.checked_sub(self.block_base).and_then(|i| self.blocks.get(i as usize)).map_or(NONE, |e| e.elem)
    }

    /// `l` is a link of the part: never below `link_base`.
    fn link(&mut self, l: u32) -> &mut u32 {
        let i = (l - self.link_base) as usize;
        let e = slot(&mut self.links, i, NONE);
        if *e == NONE {
            self.set_links.push(i);
        }
        e
    }

    /// Empties the tables for the part on `pages` of `layout`.
    fn clear_for(&mut self, layout: &Layout, pages: std::ops::Range<usize>) {
        for i in self.set_blocks.drain(..) {
            self.blocks[i] = NO_BLOCK;
        }
        for i in self.set_links.drain(..) {
            self.links[i] = NONE;
        }
        let (mut blocks, mut links) = (u32::MAX, u32::MAX);
        for item in pages.flat_map(|p| &layout.pages[p].items) {
            match item {
                Item::Text(t) if t.role != Role::Artifact => {
                    blocks = blocks.min(t.block);
                    links = t.link.map_or(links, |l| links.min(l.get()));
                }
                Item::Link(l) => links = links.min(l.id),
                _ => {}
            }
        }
        (self.block_base, self.link_base) = (blocks, links);
    }
}

/// What a part's tree tells the parent tree: per page, the element of each MCID; per link
/// annotation, its element (element indices into the part's tree).
struct PartParents {
    mcid_parents: Vec<Vec<u32>>,
    annot_parents: Vec<u32>,
}

/// Makes the tree of the part whose pages are `pages` in `tree`: its `Sect` is element 0.
fn part_tree(
    tree: &mut Tree,
    tables: &mut Tables,
    layout: &Layout,
    pages: std::ops::Range<usize>,
    annots: &[Vec<(u32, ObjectId)>],
) -> PartParents {
    tree.elems.clear();
    tree.kids.clear();
    tables.clear_for(layout, pages.clone());
    let part = layout.pages[pages.start].part;
    tree.elems.push(Elem {
        s: type_index("Sect"),
        parent: NONE,
        page: NONE,
        part: part as u32,
        first: NONE,
        last: NONE,
    });
    let sect = 0;
    let mut parents = PartParents { mcid_parents: vec![Vec::new(); pages.len()], annot_parents: Vec::new() };
    // The open container (L, TOC, Div), with its kind and the page it was opened on.
    let mut open: Option<(u32, &'static str, usize)> = None;

    for p in pages.clone() {
        let page = &layout.pages[p];
        let placed = &mut parents.mcid_parents[p - pages.start];
        let mcids = page.mcids();
        for (item, mcid) in page.items.iter().zip(mcids) {
            let Item::Text(t) = item else { continue };
            let Some(mcid) = mcid else { continue };
            if placed.len() > mcid as usize {
                continue; // a further line of a sequence already placed
            }
            let be = tables.block(t.block);
            if be.elem == NONE {
                let (s, container) = block_type(t.role);
                let parent = match container {
                    None => {
                        open = None;
                        sect
                    }
                    Some(c) => {
                        // Reuse the open container when the previous block was of the same kind;
                        // a navigation Div holds one page's bar only.
                        match open.filter(|(_, kind, pg)| *kind == c && (c != "Div" || *pg == p)) {
                            Some((e, _, _)) => e,
                            None => {
                                let e = tree.add(c, sect);
                                open = Some((e, c, p));
                                e
                            }
                        }
                    }
                };
                // A navigation button is just its Link, straight in the bar's Div.
                be.elem = if t.role == Role::Nav { parent } else { tree.add(s, parent) };
            }
            let mut target = be.elem;
            if TYPES[usize::from(tree.elems[be.elem as usize].s)] == "LI" {
                let (slot_e, s) =
                    if t.role == Role::ListLabel { (&mut be.lbl, "Lbl") } else { (&mut be.lbody, "LBody") };
                if *slot_e == NONE {
                    *slot_e = tree.add(s, be.elem);
                }
                target = *slot_e;
            }
            if let Some(l) = t.link {
                let le = *tables.link(l.get());
                target = if le == NONE {
                    let e = tree.add("Link", target);
                    *tables.link(l.get()) = e;
                    e
                } else {
                    le
                };
            }
            tree.mcid(target, p as u32, mcid);
            placed.push(target);
        }
    }

    // Every link annotation in a Link element: the one holding its text, or a new one.
    for p in pages {
        let page = &layout.pages[p];
        for item in &page.items {
            let Item::Link(link) = item else { continue };
            let Ok(k) = annots[p].binary_search_by_key(&link.id, |&(l, _)| l) else { continue };
            let annot = annots[p][k].1;
            let mut e = *tables.link(link.id);
            if e == NONE {
                let block = tables.block_elem(link.block);
                let parent = if block == NONE { sect } else { block };
                e = tree.add("Link", parent);
                *tables.link(link.id) = e;
            }
            let elem = &mut tree.elems[e as usize];
            if elem.page == NONE {
                elem.page = p as u32;
            }
            tree.kid(e, Kid::Objr { page: p as u32, annot });
            parents.annot_parents.push(e);
        }
    }
    parents
}

/// Writes the elements of `tree` (ids `ids`; element 0 is a part's `Sect`, child of `document`).
fn write_elems(
    raw: &mut ObjectStreams,
    tree: &Tree,
    ids: &[ObjectId],
    document: ObjectId,
    layout: &Layout,
    page_ids: &[ObjectId],
) {
    let page_ref = |p: u32| page_ids[p as usize];
    for (i, e) in tree.elems.iter().enumerate() {
        // `/Type /StructElem` is optional (ISO 32000-1, table 323) and left out: it is most of
        // the bytes of a small element, and a tagged kaart has hundreds of thousands.
        let d = raw.begin(ids[i]);
        d.extend_from_slice(b"<</S");
        syntax::name(d, TYPES[usize::from(e.s)].as_bytes());
        d.extend_from_slice(b"/P ");
        syntax::reference(d, if e.parent == NONE { document } else { ids[e.parent as usize] });
        if e.page != NONE {
            d.extend_from_slice(b"/Pg ");
            syntax::reference(d, page_ref(e.page));
        }
        if e.part != NONE {
            d.extend_from_slice(b"/T");
            syntax::text(d, &layout.parts[e.part as usize].title);
        }
        let one = e.first != NONE && e.first == e.last;
        d.extend_from_slice(if one { b"/K " } else { b"/K[" });
        for (k, kid) in tree.kids_of(i).enumerate() {
            if k > 0 {
                d.push(b' ');
            }
            match kid {
                Kid::Mcid { page, mcid } if page == e.page => syntax::int(d, i64::from(mcid)),
                Kid::Mcid { page, mcid } => {
                    d.extend_from_slice(b"<</Type/MCR/Pg ");
                    syntax::reference(d, page_ref(page));
                    d.extend_from_slice(b"/MCID ");
                    syntax::int(d, i64::from(mcid));
                    d.extend_from_slice(b">>");
                }
                Kid::Elem(c) => syntax::reference(d, ids[c as usize]),
                // An OBJR's /Pg may be left out when it is the element's (ISO 32000-1, table 325).
                Kid::Objr { page, annot } => {
                    d.extend_from_slice(b"<</Type/OBJR");
                    if page != e.page {
                        d.extend_from_slice(b"/Pg ");
                        syntax::reference(d, page_ref(page));
                    }
                    d.extend_from_slice(b"/Obj ");
                    syntax::reference(d, annot);
                    d.extend_from_slice(b">>");
                }
            }
        }
        if !one {
            d.push(b']');
        }
        d.extend_from_slice(b">>");
    }
}
