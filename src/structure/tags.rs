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
/// is p (the page objects are written by the caller). `annots[p]` maps each link id on
/// page p to its annotation object. Elements are appended to `raw` as PDF bytes; annotations
/// already carry their `/StructParent` (the keys after the pages', in page and item order), the
/// order this parent tree follows.
pub fn build(
    doc: &mut Document,
    raw: &mut ObjectStreams,
    layout: &Layout,
    page_ids: &[ObjectId],
    annots: &[Vec<(u32, ObjectId)>],
) -> ObjectId {
    // Sized up front from the items: grown by doubling, these vectors of a large kaart were
    // copied into fresh memory again and again.
    let (mut texts, mut link_areas) = (0, 0);
    for item in layout.pages.iter().flat_map(|p| &p.items) {
        match item {
            Item::Text(_) => texts += 1,
            Item::Link(_) => link_areas += 1,
            Item::Fill(_) => {}
        }
    }
    let mut tree =
        Tree { elems: Vec::with_capacity(texts + link_areas), kids: Vec::with_capacity(2 * texts + 2 * link_areas) };
    tree.elems.push(Elem { s: type_index("Document"), parent: NONE, page: NONE, part: NONE, first: NONE, last: NONE });
    // Dense tables: parts, blocks and links are numbered from 0 or 1 by the layout.
    let mut sects: Vec<u32> = vec![NONE; layout.parts.len()];
    let mut blocks: Vec<BlockElems> = Vec::new();
    let mut links: Vec<u32> = Vec::new();
    // The open container (L, TOC, Div) per part, with its kind and the page it was opened on.
    let mut open: Vec<Option<(u32, &'static str, usize)>> = vec![None; layout.parts.len()];
    let mut parent_tree: Vec<Vec<u32>> = vec![Vec::new(); layout.pages.len()];

    for (p, page) in layout.pages.iter().enumerate() {
        let part = page.part;
        if sects[part] == NONE {
            let s = tree.add("Sect", 0);
            tree.elems[s as usize].part = part as u32;
            sects[part] = s;
        }
        let sect = sects[part];
        let mcids = page.mcids();
        for (item, mcid) in page.items.iter().zip(mcids) {
            let Item::Text(t) = item else { continue };
            let Some(mcid) = mcid else { continue };
            if parent_tree[p].len() > mcid as usize {
                continue; // a further line of a sequence already placed
            }
            let be = slot(&mut blocks, t.block as usize, NO_BLOCK);
            if be.elem == NONE {
                let (s, container) = block_type(t.role);
                let parent = match container {
                    None => {
                        open[part] = None;
                        sect
                    }
                    Some(c) => {
                        // Reuse the open container when the previous block was of the same kind;
                        // a navigation Div holds one page's bar only.
                        match open[part].filter(|(_, kind, pg)| *kind == c && (c != "Div" || *pg == p)) {
                            Some((e, _, _)) => e,
                            None => {
                                let e = tree.add(c, sect);
                                open[part] = Some((e, c, p));
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
                let le = slot(&mut links, l.get() as usize, NONE);
                if *le == NONE {
                    *le = tree.add("Link", target);
                }
                target = *le;
            }
            tree.mcid(target, p as u32, mcid);
            parent_tree[p].push(target);
        }
    }

    // Every link annotation in a Link element: the one holding its text, or a new one.
    let mut annot_parents: Vec<u32> = Vec::with_capacity(link_areas);
    for (p, page) in layout.pages.iter().enumerate() {
        for item in &page.items {
            let Item::Link(link) = item else { continue };
            let Ok(k) = annots[p].binary_search_by_key(&link.id, |&(l, _)| l) else { continue };
            let annot = annots[p][k].1;
            let mut e = links.get(link.id as usize).copied().unwrap_or(NONE);
            if e == NONE {
                let block = blocks.get(link.block as usize).map_or(NONE, |b| b.elem);
                let parent = if block == NONE { sects[page.part] } else { block };
                e = tree.add("Link", parent);
                *slot(&mut links, link.id as usize, NONE) = e;
            }
            let elem = &mut tree.elems[e as usize];
            if elem.page == NONE {
                elem.page = p as u32;
            }
            tree.kid(e, Kid::Objr { page: p as u32, annot });
            annot_parents.push(e);
        }
    }

    // Object ids, then the dictionaries.
    let ids: Vec<ObjectId> = tree.elems.iter().map(|_| doc.new_object_id()).collect();
    let root_id = doc.new_object_id();
    let page_ref = |p: u32| page_ids[p as usize];
    for (i, e) in tree.elems.iter().enumerate() {
        // `/Type /StructElem` is optional (ISO 32000-1, table 323) and left out: it is most of
        // the bytes of a small element, and a tagged kaart has hundreds of thousands.
        let d = raw.begin(ids[i]);
        d.extend_from_slice(b"<</S");
        syntax::name(d, TYPES[usize::from(e.s)].as_bytes());
        d.extend_from_slice(b"/P ");
        syntax::reference(d, if e.parent == NONE { root_id } else { ids[e.parent as usize] });
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

    // Parent tree: page p under key p (its MCIDs in order), annotations after the pages. Written
    // as bytes: as lopdf objects its 200,000 references held 50 MB.
    let parent_tree_id = doc.new_object_id();
    let nums = raw.begin(parent_tree_id);
    nums.extend_from_slice(b"<</Nums[");
    for (p, elems) in parent_tree.iter().enumerate() {
        syntax::int(nums, p as i64);
        nums.push(b'[');
        for (k, &e) in elems.iter().enumerate() {
            if k > 0 {
                nums.push(b' ');
            }
            syntax::reference(nums, ids[e as usize]);
        }
        nums.extend_from_slice(b"]\n");
    }
    let mut key = parent_tree.len() as i64;
    for e in annot_parents {
        syntax::int(nums, key);
        nums.push(b' ');
        syntax::reference(nums, ids[e as usize]);
        nums.push(b'\n');
        key += 1;
    }
    nums.extend_from_slice(b"]>>");
    let root: Dictionary = dictionary! {
        "Type" => "StructTreeRoot",
        "K" => ids[0],
        "ParentTree" => parent_tree_id,
        "ParentTreeNextKey" => key,
    };
    doc.objects.insert(root_id, Object::Dictionary(root));
    root_id
}
