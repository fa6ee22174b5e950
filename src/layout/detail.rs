//! The detail page of one intervention: a header in the primary domain's colour, chips, the
//! summary, then every filled field under its Dutch label in two columns, flowing on to
//! continuation pages when it does not fit.

use std::collections::BTreeMap;

use super::untangle::{ASCENT, DESCENT};
use super::*;
use crate::model::{AgeRange, Intervention};

/// The Dutch label and text of every long field of an intervention, in reading order.
pub(crate) type LongFields = Vec<(&'static str, String)>;

/// Takes the long fields out of `it`: only its detail pages show them, and they are most of a
/// kaart's text, so the layout frees each intervention's as soon as it is laid out.
pub(crate) fn take_long_fields(it: &mut Intervention) -> LongFields {
    [
        ("Beschrijving", Some(std::mem::take(&mut it.description))),
        ("Doel", it.goal.take()),
        ("Werkwijze", it.method.take()),
        ("Indicatie: wanneer inzetten", it.indication.take()),
        ("Contra-indicatie", it.contra_indication.take()),
        ("Aanmelding", it.referral.take()),
    ]
    .into_iter()
    .filter_map(|(l, t)| t.map(|t| (l, t)))
    .collect()
}

fn age_text(a: AgeRange) -> Option<String> {
    match (a.min, a.max) {
        (Some(lo), Some(hi)) => Some(format!("{lo} tot en met {hi} jaar")),
        (Some(lo), None) => Some(format!("vanaf {lo} jaar")),
        (None, Some(hi)) => Some(format!("tot en met {hi} jaar")),
        (None, None) => None,
    }
}

/// Percent-encodes a mailto query value (RFC 6068).
fn mail_escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One value in the facts table: plain text or a link.
enum Value {
    Text(String),
    Link(String, Target, String),
}

/// Lays out one intervention, so that poppler (`pdftotext`) reads each page in visual order.
///
/// The rules need a look at the laid-out pages, so the intervention is laid out, checked and
/// laid out again (at most 40 times, in a builder of its own, then merged):
/// - no table across the columns: where poppler would take two blocks of the left column and
///   two of the right one for the cells of a table, the right column's lower cell gets a little
///   space before it (see `untangle`), at most `MAX_BUMP` in all and `MAX_TRIES` times a page: a
///   page that needs more is left as it is;
/// - every block has a neighbour beside it that starts at the other column's edge: a block
///   beside only a gap, or only a table's value column, moves down beside the next block
///   (see `untangle::first_stretch`);
/// - the right column reaches down to the left column's last block, and on the last page (no
///   "Vervolg" link below the columns) its last block stands below the left column: the left
///   column of that page ends early enough (balanced columns), or else the last unit moves
///   down. Poppler stretches a block with nothing beside it across the page, to the width of the
///   blocks below it (the footer's page number), and then reads the whole right column before
///   it; and with no block of the right column below the left column, it reads the footer
///   before the right column.
pub fn intervention(b: &mut Builder, it: &Intervention, long: LongFields) {
    b.merge(untangled(b, it, long).laid);
}

/// The farthest one unit of the right column is moved down, in all: about three lines. Further
/// down, the gap above it looks like a broken page (up to 280 pt were seen), and undoing one
/// table that way mostly made another lower down: poppler read as many pages out of order.
const MAX_BUMP: f32 = 36.0;

/// The most moves one page gets. On our synthetic kaart of 1,000 interventions, 651 of the 691
/// pages that needed any took four or fewer, and one took twelve; on the `../shared/bench` one,
/// 24 pages had two units taking turns at being moved a point at a time until the passes ran out,
/// before the columns' ends were balanced.
const MAX_TRIES: usize = 12;

/// What `untangled` made of an intervention.
struct Untangled<'a> {
    /// Its layout, in a fork of the builder.
    laid: Builder<'a>,
    /// The units moved down, and how far (read by the tests).
    #[cfg_attr(not(test), allow(dead_code))]
    bumps: Vec<(u32, f32)>,
    /// Whether the columns of every page end well (see `columns_end_well`; read by the tests).
    #[cfg_attr(not(test), allow(dead_code))]
    ends_well: bool,
}

/// `intervention`'s layout, in a fork of `b`.
fn untangled<'a>(b: &Builder<'a>, it: &Intervention, long: LongFields) -> Untangled<'a> {
    let _memo = super::text::remember_wraps();
    // What every pass lays out the same: the long fields' paragraphs.
    let fields: Vec<(&str, Paragraphs)> = long.iter().map(|(l, t)| (*l, Paragraphs::new(paragraphs(t)))).collect();
    let mut bumps: Vec<(u32, f32)> = Vec::new();
    let mut caps: Vec<(usize, f32)> = Vec::new();
    let mut result = None;
    // A layout already made with the current caps and bumps (by the search for a cap).
    let mut pending: Option<(Builder, Laid)> = None;
    // How many of the flow's first pages are known to hold no table across the columns and
    // no stretched block. A layout made again with one more bump or cap is the same up to the
    // page where that unit or cap begins, so those pages need no new check.
    let mut clean = Clean::default();
    // What the units of the last layout's unchanged pages were moved by (see `Flow::reuse`).
    let mut reuse: Vec<Option<f32>> = Vec::new();
    // Pages of the flow where undoing what poppler sees would take too large a gap.
    let mut given_up: Vec<usize> = Vec::new();
    // How many moves each page of the flow has had.
    let mut tries_on: BTreeMap<usize, usize> = BTreeMap::new();
    let mut ends_well = false;
    for _ in 0..40 {
        let (t, r) = pending.take().unwrap_or_else(|| {
            let mut t = b.fork();
            let r = lay(&mut t, it, &fields, &caps, &bumps, &reuse);
            (t, r)
        });
        let Some(&(right_x, _)) = r.cols.get(1) else {
            result = Some(t);
            break;
        };
        let found = problem(&t, &r.pages, right_x, &mut clean, &given_up);
        if let Some((page, block, d)) = found {
            let k = r.units.iter().rposition(|&first| first <= block).unwrap_or(0);
            let unit = k as u32;
            let bumped = bumps.iter().find(|(u, _)| *u == unit).map_or(0.0, |&(_, old)| old);
            let tries = tries_on.entry(page).or_insert(0);
            *tries += 1;
            if bumped + d > MAX_BUMP || *tries > MAX_TRIES {
                // A gap that large looks broken, and two units that take turns at being moved
                // a point at a time would use up every pass: poppler may read this page out of
                // order, and the passes left go to the other pages and the columns' ends.
                given_up.push(page);
                pending = Some((t, r));
                continue;
            }
            let from = r.unit_pages.get(k).copied().unwrap_or(0);
            clean.up_to(from);
            given_up.retain(|&p| p < from);
            reuse = r.settled_before(from);
            match bumps.iter_mut().find(|(u, _)| *u == unit) {
                Some((_, old)) => *old += d,
                None => bumps.push((unit, d)),
            }
            result = Some(t);
            continue;
        }
        let Some(k) = (0..r.pages.len()).find(|&k| !columns_end_well(&t, &r.pages, k, right_x)) else {
            result = Some(t);
            ends_well = true;
            break;
        };
        // Whatever cap is found, the next layout differs from page k on.
        clean.up_to(k);
        let known = r.settled_before(k);
        // The largest cap on that page's left column for which its columns end well, without
        // the flow needing another page when it is the last.
        let last = k + 1 == r.pages.len();
        let (mut lo, mut hi) = (r.pages[k].1, b.geo.content_bottom);
        // Page k's left column capped at `cap`: the caps, the layout, whether the flow grew a
        // page (on the last page) and whether the columns end well.
        let try_cap = |cap: f32| {
            let mut c = caps.clone();
            c.retain(|&(p, _)| p != k);
            c.push((k, cap));
            let mut t2 = b.fork();
            let r2 = lay(&mut t2, it, &fields, &c, &bumps, &known);
            let grew = last && r2.pages.len() != r.pages.len();
            let good = !grew && columns_end_well(&t2, &r2.pages, k, right_x);
            (c, (t2, r2), grew, good)
        };
        let mut found = None;
        let mut best = None;
        // First a guess: half the difference of the columns' ends moves over, and a little
        // more, so the right column ends below the left. Mostly right the first time.
        if let Some((c, laid, _, true)) = balanced_cap(&t, &r.pages, k, right_x).map(try_cap) {
            found = Some(c);
            best = Some(laid);
        }
        for _ in 0..if found.is_some() { 0 } else { 6 } {
            let cap = (lo + hi) / 2.0;
            let (c, laid, grew, good) = try_cap(cap);
            if good {
                found = Some(c);
                best = Some(laid);
                lo = cap;
            } else if grew {
                lo = cap;
            } else {
                hi = cap;
            }
        }
        match found {
            Some(c) if c != caps => {
                caps = c;
                pending = best;
            }
            _ => {
                // No cap works on the last page (both columns full): move the right column's
                // last unit below the left column instead, if it still fits.
                if let (true, Some((block, d))) = (last, drop_last(&t, &r.pages, right_x)) {
                    let unit = r.units.iter().rposition(|&first| first <= block).unwrap_or(0) as u32;
                    let mut bumps2 = bumps.clone();
                    bumps2.push((unit, d));
                    let mut t2 = b.fork();
                    let r2 = lay(&mut t2, it, &fields, &caps, &bumps2, &[]);
                    if r2.pages.len() == r.pages.len() && columns_end_well(&t2, &r2.pages, k, right_x) {
                        result = Some(t2);
                        break;
                    }
                }
                result = Some(t);
                break;
            }
        }
    }
    // Out of passes: the newest layout, if one is waiting to be checked.
    if let Some((t, _)) = pending {
        result = Some(t);
    }
    Untangled { laid: result.expect("laid out at least once"), bumps, ends_well }
}

/// One of `untangle`'s checks of a page: the block to move down, and how far.
type Check = dyn Fn(&super::untangle::PageBlocks, &super::untangle::Columns) -> Option<(u32, f32)>;

/// Of a flow's pages, how many from the first are known to have no table across the columns
/// (`tables`) and no stretched block (`stretches`).
#[derive(Debug, Default, Clone, Copy)]
struct Clean {
    tables: usize,
    stretches: usize,
}

impl Clean {
    /// For the next layout, the same up to the flow's page `k`.
    fn up_to(&mut self, k: usize) {
        self.tables = self.tables.min(k);
        self.stretches = self.stretches.min(k);
    }
}

/// The first problem on the flow's pages: a table across the columns on any page, else a block
/// poppler would stretch across the gutter; as the layout block to move down, and by how much.
/// Pages `clean` already vouches for are skipped; it is updated with what the search found.
fn problem(
    b: &Builder,
    pages: &[(usize, f32)],
    right_x: f32,
    clean: &mut Clean,
    given_up: &[usize],
) -> Option<(usize, u32, f32)> {
    use super::untangle::{Columns, PageBlocks, first_conflict, first_stretch};
    let footer = b.footer_boxes();
    let next_w = b.fonts.width(SMALL.face, "Vervolg op pagina 0000 ›", SMALL.size);
    let right = b.geo.width - b.geo.margin;
    let from = clean.tables.min(clean.stretches).min(pages.len());
    let checked: Vec<(PageBlocks, Columns)> = pages
        .iter()
        .enumerate()
        .skip(from)
        .map(|(k, &(page, top))| {
            let mut boxes = footer.clone();
            if k + 1 < pages.len() {
                boxes.push((right - next_w, right, b.geo.content_bottom + 3.0 + SMALL.ascent(), SMALL.size));
            }
            let cols = Columns { right_x, top, bottom: b.geo.content_bottom, footer: boxes };
            (PageBlocks::new(&b.pages[page], &cols), cols)
        })
        .collect();
    // Page k of the flow is checked[k - from].
    let first = |skip: usize, check: &Check| {
        checked
            .iter()
            .enumerate()
            .skip(skip.saturating_sub(from))
            .filter(|&(i, _)| !given_up.contains(&(from + i)))
            .find_map(|(i, (blocks, cols))| check(blocks, cols).map(|found| (from + i, found)))
    };
    if let Some((k, (block, d))) = first(clean.tables, &first_conflict) {
        clean.tables = k;
        return Some((k, block, d));
    }
    clean.tables = pages.len();
    match first(clean.stretches, &first_stretch) {
        Some((k, (block, d))) => {
            clean.stretches = k;
            Some((k, block, d))
        }
        None => {
            clean.stretches = pages.len();
            None
        }
    }
}

/// The text of one page of the flow, below the columns' top, seen as two columns: what
/// `drop_last` and `columns_end_well` measure (with poppler's word boxes, see `untangle`).
struct ColumnText<'p> {
    items: &'p [Item],
    top: f32,
    right_x: f32,
}

impl<'p> ColumnText<'p> {
    fn new(b: &'p Builder, (page, top): (usize, f32), right_x: f32) -> ColumnText<'p> {
        ColumnText { items: &b.pages[page].items, top, right_x }
    }

    fn texts(&self, right: bool) -> impl Iterator<Item = &'p TextRun> {
        let (top, right_x) = (self.top, self.right_x);
        self.items.iter().filter_map(move |i| match i {
            Item::Text(t) if !t.text.is_empty() && t.baseline >= top && (t.x >= right_x - 0.5) == right => Some(t),
            _ => None,
        })
    }

    /// The column's lowest line.
    fn lowest(&self, right: bool) -> Option<&'p TextRun> {
        self.texts(right).max_by(|a, b| a.baseline.total_cmp(&b.baseline))
    }

    /// The top of `block`'s text in the column.
    fn top_of(&self, block: u32, right: bool) -> f32 {
        self.texts(right).filter(|t| t.block == block).map(|t| t.baseline - ASCENT * t.size).fold(f32::MAX, f32::min)
    }

    /// The bottom of the left column's text.
    fn left_bottom(&self) -> f32 {
        self.texts(false).map(|t| t.baseline + DESCENT * t.size).fold(f32::MIN, f32::max)
    }
}

/// The right column's last layout block on the flow's last page, and how far it must move down
/// to start below the left column's text.
fn drop_last(b: &Builder, pages: &[(usize, f32)], right_x: f32) -> Option<(u32, f32)> {
    let cols = ColumnText::new(b, *pages.last()?, right_x);
    let r = cols.lowest(true)?;
    let right_top = cols.top_of(r.block, true);
    let left_bottom = cols.left_bottom();
    (left_bottom + 1.0 > right_top).then_some((r.block, left_bottom + 1.0 - right_top))
}

/// A cap for the left column of the flow's `k`-th page that balances its columns: the left
/// column gives up half the difference of the two columns' ends, plus two lines, so that the
/// right column ends below it.
fn balanced_cap(b: &Builder, pages: &[(usize, f32)], k: usize, right_x: f32) -> Option<f32> {
    let (page, top) = pages[k];
    let (mut left, mut right) = (None::<f32>, top);
    for item in &b.pages[page].items {
        if let Item::Text(t) = item
            && !t.text.is_empty()
            && t.baseline >= top
            && t.baseline <= b.geo.content_bottom
        {
            let bottom = t.baseline + DESCENT * t.size;
            if t.x < right_x - 0.5 {
                left = Some(left.map_or(bottom, |l: f32| l.max(bottom)));
            } else {
                right = right.max(bottom);
            }
        }
    }
    let left = left?;
    let cap = left - ((left - right) / 2.0 + 2.0 * BODY.leading);
    (cap > top + BODY.leading).then_some(cap)
}

/// What `lay` tells about the flow it made.
struct Laid {
    pages: Vec<(usize, f32)>,
    cols: Vec<(f32, f32)>,
    units: Vec<u32>,
    unit_pages: Vec<usize>,
    settled: Vec<Option<f32>>,
}

impl Laid {
    /// What the finished flow tells.
    fn of(flow: Flow) -> Laid {
        Laid {
            pages: flow.pages,
            cols: flow.cols,
            units: flow.units,
            unit_pages: flow.unit_pages,
            settled: flow.settled,
        }
    }

    /// How the units that begin before the flow's page `k` were settled: a layout that differs
    /// from this one only from page `k` on places them the same.
    fn settled_before(&self, k: usize) -> Vec<Option<f32>> {
        let n = self.unit_pages.partition_point(|&p| p < k).min(self.settled.len());
        self.settled[..n].to_vec()
    }
}

/// Whether the columns of the flow's `k`-th page end so that poppler gives every block of the
/// left column a neighbour in the right one: the right column reaches down to the top of the
/// left column's last block; on the last page (no "Vervolg" link below the columns) its last
/// block starts below the left column's text. Pages with one column end well.
fn columns_end_well(b: &Builder, pages: &[(usize, f32)], k: usize, right_x: f32) -> bool {
    let last = k + 1 == pages.len();
    let cols = ColumnText::new(b, pages[k], right_x);
    let (Some(l), Some(r)) = (cols.lowest(false), cols.lowest(true)) else { return true };
    if last {
        cols.top_of(r.block, true) > cols.left_bottom() + 0.5
    } else {
        r.baseline + DESCENT * r.size >= cols.top_of(l.block, false) + 0.5
    }
}

/// Lays out one intervention, the first column of the flow's listed pages ending at the given
/// y and the listed units moved down.
fn lay(
    b: &mut Builder,
    it: &Intervention,
    fields: &[(&str, Paragraphs)],
    left_caps: &[(usize, f32)],
    bumps: &[(u32, f32)],
    reuse: &[Option<f32>],
) -> Laid {
    let cat = b.cat;
    let domain = cat.kaart.domains.iter().find(|d| Some(&d.id) == it.domains.first());
    let color = domain.map_or(NEUTRAL, |d| d.color);
    let part = b.part(it.name.clone());
    let page = b.new_page(part);
    let g = b.geo;
    let top = g.content_top - 6.0;
    b.dest(&it.id, page, 0.0);

    // Header band: name (H1), primary domain and provider, and a link up to the domain index.
    let ink = text_on(color);
    let back_st = Style::new(Face::Regular, 8.5, ink);
    let (back_label, back_w) = match domain {
        Some(d) => {
            let l = format!("‹ Alle interventies in {}", d.name);
            let l = fit_line(b.fonts, back_st.face, back_st.size, &l, g.content_width() * 0.35);
            let w = b.fonts.width(back_st.face, &l, back_st.size);
            (Some(l), w)
        }
        None => (None, 0.0),
    };
    let pad = 14.0;
    // The title keeps every word whole, so search and copy find the name here even when an
    // index column must break it: a word too wide for the band makes the type smaller. The back
    // link sits on a line of its own below the subtitle, at the right: beside the title it
    // limits the title's text block, and pdftotext (poppler) then reads the title among the
    // navigation tabs instead of after them.
    let name_w = g.content_width() - 2.0 * pad;
    let longest = it.name.split_whitespace().map(|w| b.fonts.width(Face::Bold, w, 18.0)).fold(0.0f32, f32::max);
    let size = if longest > name_w { (18.0 * name_w / longest).floor().max(4.0) } else { 18.0 };
    let name_st = Style::new(Face::Bold, size, ink).lead(22.0 * size / 18.0);
    let mut sub = domain.map(|d| d.name.clone()).unwrap_or_default();
    if let Some(p) = &it.provider {
        sub = if sub.is_empty() { p.clone() } else { format!("{sub} · {p}") };
    }
    let sub_st = Style::new(Face::Regular, 9.5, ink).lead(13.0);
    // The band keeps its height: title and subtitle move up a little, the back link takes the
    // lower padding.
    let band_h = pad - 6.0
        + b.measure(name_st, &it.name, name_w)
        + if sub.is_empty() { 0.0 } else { b.measure(sub_st, &sub, name_w) + 1.0 }
        + if back_label.is_some() { 0.5 + back_st.leading + 4.5 } else { pad };
    b.panel(page, Rect { x: g.margin, y: top, w: g.content_width(), h: band_h }, color);
    let block = b.block();
    let mut y = b.lines(page, g.margin + pad, top + pad - 6.0, name_w, name_st, &it.name, Role::Heading(1), block);
    if !sub.is_empty() {
        let block = b.block();
        y = b.lines(page, g.margin + pad, y + 1.0, name_w, sub_st, &sub, Role::Paragraph, block);
    }
    if let (Some(label), Some(d)) = (back_label, domain) {
        let x = g.margin + g.content_width() - pad - back_w;
        let block = b.block();
        let target = Target::Dest(format!("domein-{}", d.id).into());
        b.link_lines(
            page,
            x,
            y + 0.5,
            back_w + 1.0,
            back_st,
            &label,
            &target,
            &format!("Naar het domein {}", d.name),
            Role::Paragraph,
            block,
        );
    }
    y = top + band_h + 8.0;

    // Chips: domains and target groups link to their indexes; kader and erkenning inform.
    let mut chips: Vec<ChipSpec> = Vec::new();
    for id in &it.domains {
        if let Some(d) = cat.kaart.domains.iter().find(|d| &d.id == id) {
            chips.push((
                d.name.clone(),
                d.color,
                Some((Target::Dest(format!("domein-{id}").into()), format!("Naar het domein {}", d.name))),
            ));
        }
    }
    for id in &it.target_groups {
        if let Some(t) = cat.kaart.target_groups.iter().find(|t| &t.id == id) {
            chips.push((
                t.name.clone(),
                CHIP,
                Some((Target::Dest(format!("doelgroep-{id}").into()), format!("Naar de doelgroep {}", t.name))),
            ));
        }
    }
    for f in &it.frameworks {
        chips.push((f.label().to_string(), KADER, None));
    }
    if let Some(r) = it.recognition {
        chips.push((r.label().to_string(), ERKENNING, None));
    }
    let chip_size = 7.8;
    let rows = super::index::chip_rows(b, &chips, chip_size, g.content_width());
    let chip_h = b.chip_size("X", chip_size).1;
    let block = b.block();
    let mut max_row = 0.0f32;
    for (i, (label, fill, target)) in chips.into_iter().enumerate() {
        let (row, dx) = rows[i];
        max_row = max_row.max(row);
        b.chip(page, g.margin + dx, y + row * (chip_h + 4.0), &label, chip_size, fill, target, block);
    }
    y += (max_row + 1.0) * (chip_h + 4.0) + 6.0;

    // The summary as a lead paragraph, then a rule.
    let lead = Style::new(Face::Regular, 11.5, INK).lead(15.5);
    let block = b.block();
    y = b.lines(page, g.margin, y, g.content_width(), lead, &it.summary, Role::Paragraph, block) + 6.0;
    b.fill(page, Rect { x: g.margin, y, w: g.content_width(), h: 0.8 }, RULE);
    y += 12.0;

    let cols = g.column_boxes(g.columns, 28.0);
    let mut flow = Flow::new(page, y, cols, part, &it.name, color);
    flow.left_caps = left_caps.to_vec();
    flow.bumps = bumps.to_vec();
    flow.settle = true;
    flow.reuse = reuse.to_vec();
    let label_st = LABEL.color(readable_on_white(color));
    for (label, paras) in fields {
        heading(b, &mut flow, label, label_st);
        flow_paragraphs(b, &mut flow, paras, BODY);
        flow.y += 8.0;
    }

    // Practical facts as a two-column table of label and value.
    let mut facts: Vec<(&str, Vec<Value>)> = Vec::new();
    if let Some(p) = &it.provider {
        facts.push(("Aanbieder", vec![Value::Text(p.clone())]));
    }
    if !it.frameworks.is_empty() {
        let v = it.frameworks.iter().map(|f| f.label()).collect::<Vec<_>>().join(", ");
        facts.push(("Kader", vec![Value::Text(v)]));
    }
    if !it.fundings.is_empty() {
        let v = it
            .fundings
            .iter()
            .filter_map(|id| cat.kaart.fundings.iter().find(|f| &f.id == id))
            .map(|f| {
                Value::Link(
                    f.name.clone(),
                    Target::Dest(format!("financiering-{}", f.id).into()),
                    format!("Naar de financieringsroute {}", f.name),
                )
            })
            .collect();
        facts.push(("Financiering", v));
    }
    if let Some(a) = it.age.and_then(age_text) {
        facts.push(("Leeftijd", vec![Value::Text(a)]));
    }
    if let Some(d) = &it.duration {
        facts.push(("Duur", vec![Value::Text(d.clone())]));
    }
    if let Some(k) = &it.costs {
        facts.push(("Kosten", vec![Value::Text(k.clone())]));
    }
    if let Some(r) = it.recognition {
        facts.push(("Erkenning", vec![Value::Text(r.label().to_string())]));
    }
    if !it.regions.is_empty() {
        facts.push(("Regio", vec![Value::Text(it.regions.join(", "))]));
    }
    if !it.keywords.is_empty() {
        facts.push(("Trefwoorden", vec![Value::Text(it.keywords.join(", "))]));
    }
    if let Some(c) = &it.contact {
        let mut v = Vec::new();
        if let Some(w) = &c.website {
            v.push(Value::Link(w.clone(), Target::Url(w.clone()), "Website van de aanbieder".into()));
        }
        if let Some(m) = &c.email {
            v.push(Value::Link(m.clone(), Target::Url(format!("mailto:{m}")), format!("E-mail naar {m}")));
        }
        if let Some(t) = &c.phone {
            let digits: String = t.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect();
            v.push(Value::Link(t.clone(), Target::Url(format!("tel:{digits}")), format!("Bel {t}")));
        }
        if !v.is_empty() {
            facts.push(("Contact", v));
        }
    }
    if !facts.is_empty() {
        heading(b, &mut flow, "Praktisch", label_st);
        facts_table(b, &mut flow, facts);
        flow.y += 8.0;
    }

    let related: Vec<&Intervention> = it.related.iter().filter_map(|r| cat.intervention(r)).collect();
    if !related.is_empty() {
        heading(b, &mut flow, "Verwant", label_st);
        for r in related {
            let st = BODY.color(LINK);
            let ref_st = Style::new(Face::Regular, 8.5, MUTED);
            let ref_w = b.page_ref_width(ref_st);
            let w = flow.w() - ref_w - 8.0;
            let h = b.measure(st, &r.name, w);
            flow.unit(b, h);
            let block = b.block();
            let target = Target::Dest(r.id.clone().into());
            let alt = format!("Naar de verwante interventie {}", r.name);
            let (page, x, top) = (flow.page, flow.x(), flow.y);
            flow.y = b.link_lines(page, x, top, w, st, &r.name, &target, &alt, Role::ListBody, block);
            let right = x + flow.w();
            let link = b.link(
                page,
                Rect { x: right - ref_w, y: top, w: ref_w, h: st.leading },
                target,
                &format!("{alt} (paginanummer)"),
                block,
            );
            b.page_ref(page, right, top + st.ascent(), ref_st, &r.id, block, Some(link));
            flow.y += 2.0;
        }
        flow.y += 8.0;
    }

    if !it.sources.is_empty() {
        heading(b, &mut flow, "Bronnen", label_st);
        let st = Style::new(Face::Regular, 8.0, LINK).lead(11.0);
        for url in &it.sources {
            let h = b.measure(st, url, flow.w());
            flow.unit(b, h.min(st.leading * 2.0));
            let block = b.block();
            let target = Target::Url(url.clone());
            // A long URL may itself run over a column end: place it line by line.
            for line in wrap(b.fonts, st.face, st.size, url, flow.w()).iter() {
                flow.ensure(b, st.leading);
                flow.y = b.link_lines(
                    flow.page,
                    flow.x(),
                    flow.y,
                    flow.w(),
                    st,
                    line,
                    &target,
                    "Bron: webpagina",
                    Role::ListBody,
                    block,
                );
            }
            flow.y += 2.0;
        }
        flow.y += 8.0;
    }

    // Last checked, and a feedback link to the kaart's editors.
    let mut tail = Vec::new();
    if let Some(d) = it.updated {
        tail.push(format!("Bijgewerkt: {}", d.dutch()));
    }
    let reply = cat.kaart.contact.as_ref().map(|mail| {
        let subject = format!("Reactie op interventie: {} ({})", it.name, it.id);
        (
            Target::Url(format!("mailto:{mail}?subject={}", mail_escape(&subject))),
            format!("E-mail de redactie over {}", it.name),
        )
    });
    let reply_label = "Reageer op deze interventie ›";
    let reply_st = Style::new(Face::Bold, 9.0, LINK).lead(13.0);
    let tail = (!tail.is_empty()).then(|| tail.join(" · "));
    // Where the tail no longer fits in the last column, it takes one line below the columns
    // (where "Vervolg op pagina" stands on a page that goes on) rather than a page of its own.
    let h = tail.as_ref().map_or(0.0, |_| SMALL.leading + 2.0) + reply.as_ref().map_or(0.0, |_| reply_st.leading);
    let sep = " · ";
    let line_w = tail.as_ref().map_or(0.0, |t| b.fonts.width(SMALL.face, &format!("{t}{sep}"), SMALL.size))
        + b.fonts.width(reply_st.face, reply_label, reply_st.size);
    let in_last_column = flow.col + 1 == flow.cols.len();
    if h > 0.0 && in_last_column && flow.y + h > flow.bottom(b) && flow.y > flow.top + 0.01 && line_w <= flow.w() {
        flow.settle_unit(b);
        let (page, mut x) = (flow.page, flow.x());
        let top = b.geo.content_bottom + 3.0;
        let baseline = top + SMALL.ascent();
        if let Some(t) = &tail {
            let block = b.block();
            let t = if reply.is_some() { format!("{t}{sep}") } else { t.clone() };
            b.lines(page, x, top, flow.w(), SMALL, &t, Role::Paragraph, block);
            x += b.fonts.width(SMALL.face, &t, SMALL.size);
        }
        if let Some((target, alt)) = &reply {
            let block = b.block();
            let w = flow.x() + flow.w() - x;
            b.link_lines(
                page,
                x,
                baseline - reply_st.ascent(),
                w,
                reply_st,
                reply_label,
                target,
                alt,
                Role::Paragraph,
                block,
            );
        }
        return Laid::of(flow);
    }
    if let Some(t) = &tail {
        flow.unit(b, SMALL.leading);
        let block = b.block();
        flow.y = b.lines(flow.page, flow.x(), flow.y, flow.w(), SMALL, t, Role::Paragraph, block) + 2.0;
    }
    if let Some((target, alt)) = &reply {
        flow.unit(b, reply_st.leading);
        let block = b.block();
        flow.y = b.link_lines(
            flow.page,
            flow.x(),
            flow.y,
            flow.w(),
            reply_st,
            reply_label,
            target,
            alt,
            Role::Paragraph,
            block,
        );
    }
    flow.settle_unit(b);
    Laid::of(flow)
}

/// A field label (H2) that stays with the first lines of what follows it.
fn heading(b: &mut Builder, flow: &mut Flow, label: &str, st: Style) {
    flow.unit(b, st.leading + BODY.leading * 2.0);
    let block = b.block();
    flow.y = b.lines(flow.page, flow.x(), flow.y, flow.w(), st, label, Role::Heading(2), block) + 1.0;
}

/// Fact rows up to this many body lines high never break over a column end.
const KEEP_TOGETHER: f32 = 6.0;

fn facts_table(b: &mut Builder, flow: &mut Flow, facts: Vec<(&str, Vec<Value>)>) {
    let label_st = Style::new(Face::Bold, 9.0, INK).lead(13.0);
    let label_w = 78.0;
    for (label, values) in facts {
        // A value of a paragraph's length goes under its label, at the column's width: beside a
        // one-line label it made a tall table cell, which poppler reads as a table across the
        // two columns; undoing that moved the row down, away from its heading, by up to a page.
        let stacked = matches!(values.as_slice(), [Value::Text(t)] if b.measure(BODY, t, flow.w() - label_w) > 4.0 * BODY.leading);
        // Stacked, the label is set at the body's size: poppler then takes label and paragraph
        // for one block. A label a size smaller was a block of its own, with nothing beside it
        // where the other column had a gap, and poppler stretched it over that column and read
        // it after it (13 of 18 pages out of order on the `../shared/bench` kaart).
        let label_st = if stacked { Style::new(Face::Bold, BODY.size, INK).lead(BODY.leading) } else { label_st };
        let (dx, vw) = if stacked { (0.0, flow.w()) } else { (label_w, flow.w() - label_w) };
        // A row of a few lines (a website and an e-mail address) is kept together: split over
        // a column end, half a URL stood at the top of the next column. A longer one begins
        // where it fits its label and first lines, and flows on.
        let label_h = b.measure(label_st, label, if stacked { flow.w() } else { label_w - 4.0 });
        let value_h: f32 = values
            .iter()
            .map(|v| {
                let t = match v {
                    Value::Text(t) | Value::Link(t, ..) => t,
                };
                wrap(b.fonts, BODY.face, BODY.size, t, vw).len() as f32 * BODY.leading
            })
            .sum();
        let whole = if stacked { label_h + value_h } else { label_h.max(value_h) };
        let first = if stacked { label_st.leading + 2.0 * BODY.leading } else { BODY.leading };
        flow.unit(b, if whole <= KEEP_TOGETHER * BODY.leading { whole } else { first });
        let block = b.block();
        let (page, x) = (flow.page, flow.x());
        let label_end = b.lines(
            page,
            x,
            flow.y,
            if stacked { flow.w() } else { label_w - 4.0 },
            label_st,
            label,
            Role::Paragraph,
            block,
        );
        let mut y = if stacked { label_end } else { flow.y };
        for v in values {
            // Values may be long (a URL); split them over a column end line by line.
            let (text, st, link) = match &v {
                Value::Text(t) => (t.as_str(), BODY, None),
                Value::Link(t, target, alt) => (t.as_str(), BODY.color(LINK), Some((target, alt))),
            };
            for line in wrap(b.fonts, st.face, st.size, text, vw).iter() {
                if y + st.leading > flow.bottom(b) {
                    flow.y = y;
                    flow.next_column(b);
                    y = flow.y;
                }
                let page = flow.page;
                let vx = flow.x() + dx;
                y = match link {
                    Some((target, alt)) => b.link_lines(page, vx, y, vw, st, line, target, alt, Role::Paragraph, block),
                    None => b.lines(page, vx, y, vw, st, line, Role::Paragraph, block),
                };
            }
        }
        flow.y = y + 3.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mailto_subjects_are_escaped() {
        assert_eq!(mail_escape("Reactie op: CoVa+ (één)"), "Reactie%20op%3A%20CoVa%2B%20%28%C3%A9%C3%A9n%29");
    }

    /// A layout made again with one unit bumped, taking over how the units on the pages before
    /// that unit's page were settled, is the layout made from scratch.
    #[test]
    fn settled_units_taken_over_give_the_same_pages() {
        let (mut compared, mut moved) = (0, 0);
        for dir in ["tests/fixtures/valid/edge", "tests/fixtures/valid/extreme", "data"] {
            let cat = super::super::tests::catalogue(dir);
            let b = Builder::new(&cat, super::super::Paper::A4Landscape);
            for it in &cat.interventions {
                let _memo = super::super::text::remember_wraps();
                let long = take_long_fields(&mut it.clone());
                let fields: Vec<(&str, Paragraphs)> =
                    long.iter().map(|(l, t)| (*l, Paragraphs::new(paragraphs(t)))).collect();
                let mut t = b.fork();
                let r = lay(&mut t, it, &fields, &[], &[], &[]);
                moved += r.settled.iter().filter(|d| d.is_some_and(|d| d > 0.0)).count();
                for u in 0..r.units.len() {
                    let from = r.unit_pages[u];
                    if from == 0 {
                        continue;
                    }
                    let bumps = [(u as u32, 7.5)];
                    let (mut fresh, mut reused) = (b.fork(), b.fork());
                    lay(&mut fresh, it, &fields, &[], &bumps, &[]);
                    lay(&mut reused, it, &fields, &[], &bumps, &r.settled_before(from));
                    assert!(format!("{:?}", fresh.pages) == format!("{:?}", reused.pages), "{dir}: {} unit {u}", it.id);
                    compared += 1;
                }
            }
        }
        assert!(compared > 20 && moved > 0, "{compared} layouts compared, {moved} units settled");
    }

    /// A fact of a paragraph's length stands under its label at the column's width, the label at
    /// the paragraph's size; a short one beside its label.
    #[test]
    fn long_facts_stand_under_their_label() {
        let cat = super::super::tests::catalogue("data");
        let b = Builder::new(&cat, super::super::Paper::A4Landscape);
        let long =
            "Een samenwerking van de reclassering, de GGZ en het wijkteam in elke gemeente van de regio, ".repeat(6);
        for (provider, stacked) in [("Reclassering Nederland".to_string(), false), (long, true)] {
            let mut it = cat.interventions[0].clone();
            it.provider = Some(provider.clone());
            let _memo = super::super::text::remember_wraps();
            let mut t = b.fork();
            lay(&mut t, &it, &[], &[], &[], &[]);
            let runs: Vec<(&TextRun, &str)> = t
                .pages
                .iter()
                .flat_map(|p| p.items.iter().map(move |i| (i, p)))
                .filter_map(|(i, p)| match i {
                    Item::Text(r) => Some((r, p.str(r))),
                    _ => None,
                })
                .collect();
            let k = runs.iter().position(|(_, s)| *s == "Aanbieder").expect("the provider's label");
            let (label, value) = (runs[k].0, runs[k + 1].0);
            assert!(runs[k + 1].1.starts_with(&provider[..10]), "{:?}", runs[k + 1].1);
            if stacked {
                assert!(value.x == label.x && value.baseline > label.baseline, "{stacked}");
                assert_eq!(label.size, value.size, "one block for poppler");
            } else {
                assert!(value.x > label.x + 70.0 && (value.baseline - label.baseline).abs() < 2.0, "{stacked}");
            }
        }
    }

    /// A fact row of a few lines (website, e-mail, phone) stands in one column, wherever the
    /// text before it makes the column end: never half a URL at the top of the next column.
    #[test]
    fn short_fact_rows_are_never_split_over_a_column_end() {
        let cat = super::super::tests::catalogue("data");
        let b = Builder::new(&cat, super::super::Paper::A4Landscape);
        let mut it = cat.interventions[0].clone();
        it.contact = Some(crate::model::Contact {
            website: Some(
                "https://www.voorbeeld-interventies.nl/interventies/een-heel-lang-adres-van-een-pagina".into(),
            ),
            email: Some("aanmelden@voorbeeld-interventies.nl".into()),
            phone: Some("030 123 45 67".into()),
        });
        let (mut rows, mut near_end) = (0, 0);
        for n in 1..60 {
            let text = "De trajectbegeleider brengt samen met de cliënt de motivatie in kaart. ".repeat(n);
            let fields = [("Beschrijving", Paragraphs::new(paragraphs(&text)))];
            let _memo = super::super::text::remember_wraps();
            let mut t = b.fork();
            lay(&mut t, &it, &fields, &[], &[], &[]);
            // Where each run of the contact row stands: page and column.
            let mut block = None;
            let mut at = Vec::new();
            for (p, page) in t.pages.iter().enumerate() {
                for item in &page.items {
                    let Item::Text(r) = item else { continue };
                    if page.str(r) == "Contact" {
                        block = Some(r.block);
                    }
                    if Some(r.block) == block {
                        at.push((p, r.x < b.geo.width / 2.0, r.baseline));
                    }
                }
            }
            assert!(at.len() >= 4, "{n}: label and three values");
            assert!(at.iter().all(|&(p, left, _)| (p, left) == (at[0].0, at[0].1)), "{n}: {at:?}");
            rows += 1;
            near_end += usize::from(at.iter().any(|&(_, _, y)| y > b.geo.content_bottom - 60.0));
        }
        assert!(rows > 50 && near_end > 0, "{rows} rows, {near_end} near a column end");
    }

    /// No unit of the right column is moved down by more than three lines: in the fixture, one
    /// was moved 180 pt, away from the list it belongs to, which left a gap like a broken page.
    #[test]
    fn units_are_moved_down_a_few_lines_at_most() {
        let cat = super::super::tests::catalogue("tests/fixtures/valid/gaps");
        let b = Builder::new(&cat, super::super::Paper::A4Landscape);
        let mut moved = 0;
        for it in &cat.interventions {
            let long = take_long_fields(&mut it.clone());
            let bumps = untangled(&b, it, long).bumps;
            for &(unit, d) in &bumps {
                assert!(d <= 3.0 * BODY.leading, "{} unit {unit}: {d} pt", it.id);
            }
            moved += bumps.len();
        }
        assert!(moved > 0, "some unit is moved");
    }

    /// A page whose problems two units keep taking turns at undoing gets `MAX_TRIES` moves, and
    /// the passes left balance the columns of the last page: before, the passes ran out first.
    #[test]
    fn units_taking_turns_leave_passes_for_the_columns_ends() {
        let cat = super::super::tests::catalogue("tests/fixtures/valid/turns");
        let b = Builder::new(&cat, super::super::Paper::A4Landscape);
        let it = cat.intervention("int-00005").expect("the fixture's intervention");
        let long = take_long_fields(&mut it.clone());
        let laid = untangled(&b, it, long);
        assert!(laid.ends_well, "the columns of every page end well");
    }

    #[test]
    fn ages() {
        assert_eq!(age_text(AgeRange { min: Some(12), max: Some(18) }).unwrap(), "12 tot en met 18 jaar");
        assert_eq!(age_text(AgeRange { min: None, max: Some(23) }).unwrap(), "tot en met 23 jaar");
        assert_eq!(age_text(AgeRange { min: None, max: None }), None);
    }
}
