//! Finds, on a laid-out detail page, what would make poppler's plain `pdftotext` read the two
//! text columns out of order; `detail::intervention` then moves a unit of the flow down and lays
//! the intervention out again.
//!
//! Poppler (`TextPage::coalesce`, 22.x) groups words into blocks, then:
//! - looks for tables: a block `b1`, the nearest block to its right (`f2`), the nearest block
//!   below it (`f3`) and the block below-right (`f4`) are cells of one table when their left
//!   edges (or centres, or right edges) line up in pairs within 0.7 font sizes and the tops,
//!   centres or bottoms of `b1`/`f2` and of `f3`/`f4` within half a font size. Two columns that
//!   share one vertical rhythm meet that test all the time, and poppler then reads the page row
//!   by row, across the columns (`first_conflict`). Two buttons of the navigation bar over the
//!   first blocks of the columns can meet it too, when their labels happen to end where those
//!   blocks end;
//! - stretches every block that is not a table cell sideways, over the blocks below it, as far
//!   as its nearest neighbour beside it; a block whose nearest neighbour is far away (a table
//!   value column) or missing then overlaps the other column, and the topological sort
//!   (rule 1: overlapping in x, above) reads it after or before that whole column
//!   (`first_stretch`).
//!
//! The blocks are approximated from the text runs, in poppler's order of making them.

use super::{Item, Page};

/// Noto Sans's ascent and descent as poppler measures a word's box, per point of font size.
pub(crate) const ASCENT: f32 = 1.069;
pub(crate) const DESCENT: f32 = 0.293;
/// How far one block may be moved to undo a table, and the step tried.
const MAX_STEP: f32 = 12.0;
const STEP: f32 = 0.5;

/// A block as poppler would see it: consecutive lines of one layout block at one left edge.
#[derive(Debug, Clone, Copy)]
struct Group {
    x0: f32,
    x1: f32,
    y0: f32,
    y1: f32,
    size: f32,
    /// The right-column unit (layout block) this group belongs to, if it may move.
    unit: Option<usize>,
    /// The layout block of its first line (0: the footer).
    block: u32,
}

impl Group {
    fn shifted(&self, offsets: &[f32]) -> Group {
        match self.unit {
            Some(u) => Group { y0: self.y0 + offsets[u], y1: self.y1 + offsets[u], ..*self },
            None => *self,
        }
    }
}

/// What the pass needs to know of a page with two text columns.
pub(crate) struct Columns {
    /// Left edge of the right column.
    pub right_x: f32,
    /// Top of the columns.
    pub top: f32,
    /// Lowest y any column content may reach.
    pub bottom: f32,
    /// Footer text boxes `(x0, x1, baseline, size)`, drawn later but seen by poppler.
    pub footer: Vec<(f32, f32, f32, f32)>,
}

/// A page's text as poppler-like blocks, found once for both checks below.
pub(crate) struct PageBlocks {
    groups: Vec<Group>,
    /// The right column's layout blocks, in order.
    units: Vec<u32>,
}

impl PageBlocks {
    pub(crate) fn new(page: &Page, cols: &Columns) -> PageBlocks {
        let (groups, units) = groups(&page.items, cols);
        PageBlocks { groups, units }
    }
}

/// The topmost table quadruple across the columns of `page`, as the layout block of its lower
/// right cell (f4) and how far that block and everything after it in the right column must move
/// down to undo it; or the upper right cell (f2) when moving f4 alone cannot.
pub(crate) fn first_conflict(blocks: &PageBlocks, cols: &Columns) -> Option<(u32, f32)> {
    let (groups, units) = (blocks.groups.clone(), &blocks.units);
    if units.is_empty() {
        return None;
    }
    let groups = creation_order(groups);
    let right: Vec<Group> = groups.iter().filter(|g| g.x0 >= cols.right_x - 0.5).copied().collect();
    let none = vec![0.0f32; units.len()];
    // The blocks f2 and f4 are sought among: the right column's, for a b1 in the left column;
    // every block, for a b1 above the columns (the navigation bar, a page's header), whose
    // neighbour beside it is there too and whose f3 and f4 are the first blocks of the columns:
    // label edges of the bar that happen to line up with the columns' edges make a table of
    // them, which poppler reads before the page's title.
    let mut best: Option<(f32, Group, Group, Group, Group, bool)> = None;
    for (i, b1) in groups.iter().enumerate() {
        if b1.unit.is_some() || b1.x1 >= cols.right_x {
            continue;
        }
        let Some(f3) = below(&groups, i) else { continue };
        let above = b1.y1 < cols.top - 0.5;
        if above && (f3.y0 < cols.top - 0.5 || f3.x1 >= cols.right_x) {
            continue;
        }
        let cells = if above { &groups } else { &right };
        if let Some((f2, f4)) = quad(b1, &f3, cells, &none)
            .filter(|(_, f4)| f4.unit.is_some() || !above)
            .filter(|(_, f4)| best.as_ref().is_none_or(|b| f4.y0 < b.0))
        {
            best = Some((f4.y0, *b1, f3, f2, f4, above));
        }
    }
    let (_, b1, f3, f2, f4, above) = best?;
    let cells = if above { &groups } else { &right };
    let tops: Vec<f32> = (0..units.len()).map(|v| unit_extent(&right, v).0).collect();
    for cell in [f4, f2] {
        let Some(u) = cell.unit else { continue };
        let from = tops[u];
        let mut d = STEP;
        while d <= MAX_STEP {
            let offsets: Vec<f32> = tops.iter().map(|&t| if t >= from - 0.01 { d } else { 0.0 }).collect();
            if quad(&b1, &f3, cells, &offsets).is_none() {
                return Some((units[u], d));
            }
            d += STEP;
        }
    }
    f4.unit.map(|u| (units[u], MAX_STEP))
}

/// The first block poppler would stretch across the gutter (`TextPage::coalesce`, after the
/// table search: a block's x range is widened to the blocks below it, up to its nearest
/// neighbour beside it), as the right-column layout block to move down and by how much:
/// - a left block beside nothing in the right column but the second or later lines of a
///   two-column table row (a fact's value): its stretch stops only at the value, so it takes in
///   the short label and heading blocks below and then reads after the right column; the row
///   moves down until its label is beside the block;
/// - a right block beside only a short left block (a heading) when left blocks below start
///   further right (a fact's value in the left column): it stretches over them and reads
///   before them; it moves down beside the next full-width left block.
pub(crate) fn first_stretch(blocks: &PageBlocks, cols: &Columns) -> Option<(u32, f32)> {
    let (groups, units) = (&blocks.groups, &blocks.units);
    if units.is_empty() {
        return None;
    }
    let in_cols = |g: &Group| g.y0 >= cols.top - 0.5 && g.y1 <= cols.bottom + 0.5;
    let beside = |a: &Group, g: &Group| overlap(a.y0, a.y1, g.y0, g.y1);
    let cells = |u: usize| groups.iter().filter(|g| g.unit == Some(u)).count();
    let mut found: Option<(f32, u32, f32)> = None;
    let mut take = |y: f32, block: u32, d: f32| {
        if found.is_none_or(|f| y < f.0) {
            found = Some((y, block, d));
        }
    };
    let right_col = |g: &&Group| g.unit.is_some() && in_cols(g);
    let left_col = |g: &&Group| g.unit.is_none() && g.block != 0 && g.x1 < cols.right_x && in_cols(g);
    for a in groups.iter().filter(left_col) {
        let right: Vec<&Group> = groups.iter().filter(|g| beside(a, g) && g.x0 > a.x1).collect();
        let Some(nearest) = right.iter().min_by(|p, q| p.x0.total_cmp(&q.x0)) else {
            // In a gap of the right column: down beside the next right block.
            let above = groups.iter().filter(right_col).any(|g| g.y1 < a.y0);
            let next = groups.iter().filter(right_col).filter(|g| g.y0 > a.y1).min_by(|p, q| p.y0.total_cmp(&q.y0));
            if let (true, Some(n)) = (above, next) {
                take(a.y0, a.block, n.y0 - a.y1 + 0.5);
            }
            continue;
        };
        let limit = nearest.x0;
        let stretch = groups.iter().filter(|g| g.y0 >= a.y1 && g.x1 <= limit).map(|g| g.x1).fold(a.x1, f32::max);
        if stretch < cols.right_x - 0.5 || !groups.iter().any(|g| g.unit.is_some() && g.y0 < a.y0) {
            continue;
        }
        let Some(u) = nearest.unit else { continue };
        let label = groups
            .iter()
            .filter(|g| g.unit == Some(u) && g.x0 < nearest.x0 - 0.5 && g.y1 < a.y0)
            .min_by(|p, q| p.y0.total_cmp(&q.y0));
        if let Some(label) = label {
            take(a.y0, units[u], a.y0 - label.y1 + 0.5);
        }
    }
    for g in groups.iter().filter(|g| g.unit.is_some() && in_cols(g)) {
        let u = g.unit.expect("filtered");
        if cells(u) > 1 {
            continue; // a table row: poppler does not stretch table cells
        }
        let limit = groups.iter().filter(|l| beside(g, l) && l.x1 < g.x0).map(|l| l.x1).fold(f32::MIN, f32::max);
        if limit == f32::MIN {
            // Nothing beside it: in a gap of the left column, down beside the next left block;
            // below the left column's end it does no harm.
            let next = groups.iter().filter(left_col).filter(|l| l.y0 > g.y1).min_by(|p, q| p.y0.total_cmp(&q.y0));
            if let Some(n) = next {
                take(g.y0, units[u], n.y0 - g.y1 + 0.5);
            }
            continue;
        }
        let stretch = groups.iter().filter(|l| l.y0 >= g.y1 && l.x0 >= limit).map(|l| l.x0).fold(g.x0, f32::min);
        let hit = groups.iter().any(|l| l.unit.is_none() && l.y0 > g.y0 && l.x1 >= stretch && l.x0 < cols.right_x);
        if stretch >= cols.right_x - 0.5 || !hit {
            continue;
        }
        // The next left block below that reaches across the column.
        let wide = groups
            .iter()
            .filter(|l| {
                l.unit.is_none() && l.x1 < cols.right_x && l.y0 > g.y0 && l.x1 > 0.7 * cols.right_x && in_cols(l)
            })
            .min_by(|p, q| p.y0.total_cmp(&q.y0));
        if let Some(w) = wide {
            take(g.y0, units[u], (w.y0 - g.y1 + 0.5).max(STEP));
        }
    }
    found.map(|(_, b, d)| (b, d))
}

/// Checks the units of one page's right column as the flow places them, once the left column is
/// complete: a unit that would complete a table across the columns (as `f4`, the lower right
/// cell) is moved down at once, which spares most passes of `detail::intervention`. Cheap: the
/// left column's blocks and the block below each are found once per page.
pub(crate) struct Settler {
    /// Left-column blocks with the block poppler takes as below each (b1, f3).
    left: Vec<(Group, Group)>,
    /// The right column's blocks so far, and the footer's, none of them movable.
    right: Vec<Group>,
}

impl Settler {
    /// For a page whose items so far are `items`.
    pub(crate) fn new(items: &[Item], cols: &Columns) -> Settler {
        let (groups, _) = groups(items, cols);
        let groups: Vec<Group> = creation_order(groups).into_iter().map(|g| Group { unit: None, ..g }).collect();
        let right = groups.iter().filter(|g| g.x0 >= cols.right_x - 0.5).copied().collect();
        let left = groups
            .iter()
            .enumerate()
            .filter(|(_, g)| g.x1 < cols.right_x && g.y0 >= cols.top - 0.5)
            .filter_map(|(i, b1)| below(&groups, i).map(|f3| (*b1, f3)))
            .collect();
        Settler { left, right }
    }

    /// How far the unit whose items are `items` (just placed in the right column) should move
    /// down, at most `room`; it is then added to the column.
    pub(crate) fn place(&mut self, items: &[Item], cols: &Columns, room: f32) -> f32 {
        let (new, _) = groups_in(items, cols);
        let new: Vec<Group> =
            new.into_iter().filter(|g| g.x0 >= cols.right_x - 0.5).map(|g| Group { unit: None, ..g }).collect();
        if new.is_empty() {
            return 0.0;
        }
        let (top, bottom) = new.iter().fold((f32::MAX, f32::MIN), |(t, b), g| (t.min(g.y0), b.max(g.y1)));
        // Tables that exist without this unit are not its to undo.
        let near: Vec<(Group, Group)> = self
            .left
            .iter()
            .filter(|(b1, _)| b1.y1 > top - 60.0 && b1.y0 < bottom + MAX_STEP)
            .filter(|(b1, f3)| quad(b1, f3, &self.right, &[]).is_none())
            .copied()
            .collect();
        // The column with the unit in its place (by its top), then moved down step by step.
        let at = self.right.iter().position(|g| g.y0 >= top).unwrap_or(self.right.len());
        let mut all: Vec<Group> = self.right[..at].to_vec();
        all.extend_from_slice(&new);
        all.extend_from_slice(&self.right[at..]);
        let moved = at..at + new.len();
        let mut shift = 0.0;
        let mut d = 0.0;
        while d <= MAX_STEP.min(room) + 1e-3 {
            for (g, n) in all[moved.clone()].iter_mut().zip(&new) {
                g.y0 = n.y0 + d;
                g.y1 = n.y1 + d;
            }
            if near.iter().all(|(b1, f3)| quad(b1, f3, &all, &[]).is_none()) {
                shift = d;
                break;
            }
            d += STEP;
        }
        for (g, n) in all[moved].iter_mut().zip(&new) {
            g.y0 = n.y0 + shift;
            g.y1 = n.y1 + shift;
        }
        self.right = all;
        shift
    }
}

/// The groups in the order poppler makes its blocks (`TextPage::coalesce`), which decides ties
/// between equally near blocks: it starts each block at the topmost baseline left in its text
/// pool (4-point bins), or at a word further left within the three bins below.
fn creation_order(mut rest: Vec<Group>) -> Vec<Group> {
    let bin = |g: &Group| ((g.y0 + ASCENT * g.size) / 4.0).floor() as i64;
    rest.sort_by(|a, b| bin(a).cmp(&bin(b)).then(a.x0.total_cmp(&b.x0)));
    let mut out = Vec::with_capacity(rest.len());
    while !rest.is_empty() {
        let m = bin(&rest[0]);
        // rest is sorted by (bin, x0): the first group of each bin is that bin's leftmost.
        let mut pick = 0;
        for (i, g) in rest.iter().enumerate() {
            let b = bin(g);
            if b > m + 3 {
                break;
            }
            if (i == 0 || bin(&rest[i - 1]) != b) && g.x0 < rest[pick].x0 {
                pick = i;
            }
        }
        out.push(rest.remove(pick));
    }
    out
}

/// The cells f2 and f4 (unshifted) that make `b1` and `f3` a table with blocks of `right`
/// (moved by `offsets`): f4 is the nearest block below-right of b1 (first of equals, in creation
/// order).
fn quad(b1: &Group, f3: &Group, right: &[Group], offsets: &[f32]) -> Option<(Group, Group)> {
    // Called for every left block in every pass: no allocation, two walks over `right`.
    let is_beside = |b2: &Group| b2.y0 <= b1.y1 && b2.y1 >= b1.y0 && b2.x0 > b1.x1;
    let mut f4: Option<usize> = None;
    let (mut bx0, mut bx1, mut by1) = (f32::MAX, f32::MAX, f32::MAX);
    for (i, g) in right.iter().enumerate() {
        let b2 = g.shifted(offsets);
        if is_beside(&b2) {
            bx0 = bx0.min(b2.x0);
        } else if b2.x0 > b1.x1 && b2.x0 < bx1 && b2.y0 > b1.y1 && b2.y0 < by1 {
            bx1 = b2.x0;
            by1 = b2.y0;
            f4 = Some(i);
        }
    }
    let f4 = right[f4?];
    let f4s = f4.shifted(offsets);
    // poppler's f2 is the nearest block beside b1; blocks that start at the same x in the
    // layout may differ there by rounding in the PDF, so each of them may be the one.
    let f2 = right.iter().find(|g| {
        let f2 = g.shifted(offsets);
        is_beside(&f2) && f2.x0 <= bx0 + 0.05 && is_table(b1, &f2, f3, &f4s)
    })?;
    Some((*f2, f4))
}

/// The top and bottom of a unit's groups (unshifted).
fn unit_extent(groups: &[Group], u: usize) -> (f32, f32) {
    groups.iter().filter(|g| g.unit == Some(u)).fold((f32::MAX, f32::MIN), |(t, b), g| (t.min(g.y0), b.max(g.y1)))
}

fn in_right_column(x: f32, y: f32, cols: &Columns) -> bool {
    x >= cols.right_x - 0.5 && y >= cols.top - 0.5 && y <= cols.bottom
}

/// A page's text (`items`) and footer as poppler-like blocks, and the right column's layout
/// blocks (units) in order of their first line.
fn groups(items: &[Item], cols: &Columns) -> (Vec<Group>, Vec<u32>) {
    let (mut groups, units) = groups_in(items, cols);
    for &(x0, x1, base, size) in &cols.footer {
        groups.push(Group { x0, x1, y0: base - ASCENT * size, y1: base + DESCENT * size, size, unit: None, block: 0 });
    }
    (groups, units)
}

/// `groups` without the footer.
fn groups_in(items: &[Item], cols: &Columns) -> (Vec<Group>, Vec<u32>) {
    let mut groups: Vec<Group> = Vec::new();
    let mut units: Vec<u32> = Vec::new();
    // (block, x of the group's first line, its group index): where the next line may join.
    let mut open: Vec<(u32, f32, usize)> = Vec::new();
    for item in items {
        match item {
            Item::Text(t) if !t.text.is_empty() => {
                let w = t.w;
                let (y0, y1) = (t.baseline - ASCENT * t.size, t.baseline + DESCENT * t.size);
                let right = t.block != 0 && in_right_column(t.x, t.baseline, cols);
                let unit = right.then(|| match units.iter().position(|&b| b == t.block) {
                    Some(u) => u,
                    None => {
                        units.push(t.block);
                        units.len() - 1
                    }
                });
                // Only a group whose last line is just above this one, or on it, can take it.
                open.retain(|&(_, _, g)| {
                    let last = groups[g].y1 - DESCENT * groups[g].size;
                    last <= t.baseline + 0.01 && t.baseline - last <= 1.5 * t.size.max(groups[g].size) + 0.01
                });
                let joins = open.iter().find(|&&(b, x, g)| {
                    let g = &groups[g];
                    let last = g.y1 - DESCENT * g.size;
                    // The next line of the block, or more of the same line just after it (a
                    // bullet and its text).
                    let next_line = t.baseline > last + 0.01 && t.baseline - last <= 1.5 * t.size;
                    let same_line = (t.baseline - last).abs() <= 0.01 && t.x >= g.x1 - 0.01 && t.x - g.x1 < t.size;
                    (b == t.block || next_line)
                        && t.block != 0
                        && (x - t.x).abs() < 20.0
                        && (g.size - t.size).abs() <= 0.05 * g.size
                        && (next_line || same_line)
                });
                match joins {
                    Some(&(_, _, g)) => {
                        let g = &mut groups[g];
                        g.x0 = g.x0.min(t.x);
                        g.x1 = g.x1.max(t.x + w);
                        g.y1 = y1;
                    }
                    None => {
                        open.retain(|&(b, x, _)| !(b == t.block && (x - t.x).abs() < 20.0));
                        open.push((t.block, t.x, groups.len()));
                        groups.push(Group { x0: t.x, x1: t.x + w, y0, y1, size: t.size, unit, block: t.block });
                    }
                }
            }
            _ => {}
        }
    }
    (groups, units)
}

fn overlap(a0: f32, a1: f32, b0: f32, b1: f32) -> bool {
    a0 <= b1 && a1 >= b0
}

/// The block poppler takes as the one below `groups[i]` (f3): the nearest below that overlaps it
/// horizontally, among those not beside it.
fn below(groups: &[Group], i: usize) -> Option<Group> {
    let b1 = groups[i];
    let mut f3: Option<Group> = None;
    for (j, b2) in groups.iter().enumerate() {
        let beside = b2.y0 <= b1.y1 && b2.y1 >= b1.y0 && b2.x0 > b1.x1;
        if j != i && !beside && b2.x0 <= b1.x1 && b2.x1 >= b1.x0 && b2.y0 > b1.y1 && f3.is_none_or(|f| b2.y0 < f.y0) {
            f3 = Some(*b2);
        }
    }
    f3
}

/// Whether poppler would take `b1` as the top-left cell of a table, with `f3` the block below it
/// and the beside and below-right blocks from `right` (moved by `offsets`).
#[cfg(test)]
fn is_table_quad(b1: &Group, f3: &Group, right: &[Group], offsets: &[f32]) -> bool {
    quad(b1, f3, right, offsets).is_some()
}

/// poppler's test whether `b1`, `f2`, `f3` and `f4` are the cells of a table.
fn is_table(b1: &Group, f2: &Group, f3: &Group, f4: &Group) -> bool {
    let (b1, f2, f3, f4) = (*b1, *f2, *f3, *f4);
    if overlap(f3.x0, f3.x1, f4.x0, f4.x1)
        || overlap(f2.y0, f2.y1, f4.y0, f4.y1)
        || overlap(f2.x0, f2.x1, f3.x0, f3.x1)
        || overlap(f2.y0, f2.y1, f3.y0, f3.y1)
        || !(overlap(f4.x0, f4.x1, f2.x0, f2.x1) && overlap(f4.y0, f4.y1, f3.y0, f3.y1))
    {
        return false;
    }
    let d = b1.size.min(f2.size).min(f3.size).min(f4.size);
    // poppler 22: deltaX = minColSpacing1 (TextOutputDev::minColSpacing1_default = 0.7) * size
    let (dx, dy) = (0.7 * d, 0.5 * d);
    let cx = |g: &Group| (g.x0 + g.x1) / 2.0;
    let cy = |g: &Group| (g.y0 + g.y1) / 2.0;
    let near = |a: f32, b: f32, tol: f32| (a - b).abs() <= tol;
    let columns_align = (near(cx(&b1), cx(&f3), dx) && near(cx(&f2), cx(&f4), dx))
        || (near(b1.x0, f3.x0, dx) && near(f2.x0, f4.x0, dx))
        || (near(b1.x1, f3.x1, dx) && near(f2.x1, f4.x1, dx));
    let rows_align = (near(cy(&b1), cy(&f2), dy) && near(cy(&f3), cy(&f4), dy))
        || (near(b1.y0, f2.y0, dy) && near(f3.y0, f4.y0, dy))
        || (near(b1.y1, f2.y1, dy) && near(f3.y1, f4.y1, dy));
    columns_align && rows_align
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(x0: f32, x1: f32, y0: f32, y1: f32, unit: Option<usize>) -> Group {
        Group { x0, x1, y0, y1, size: 9.5, unit, block: 0 }
    }

    #[test]
    fn two_headings_side_by_side_over_two_paragraphs_are_a_table_until_one_column_moves() {
        // Left: heading over a paragraph; right: the same, at the same heights.
        let groups = [
            g(34.0, 100.0, 100.0, 113.0, None),
            g(34.0, 400.0, 116.0, 160.0, None),
            g(430.0, 480.0, 100.0, 113.0, Some(0)),
            g(430.0, 800.0, 116.0, 140.0, Some(1)),
        ];
        let f3 = below(&groups, 0).expect("the paragraph below the heading");
        assert_eq!(f3.y0, 116.0);
        let right = &groups[2..];
        assert!(is_table_quad(&groups[0], &f3, right, &[0.0, 0.0]));
        assert!(
            !is_table_quad(&groups[0], &f3, right, &[6.0, 6.0]),
            "tops, centres and bottoms now differ by more than 4.75"
        );
    }

    /// Two buttons of the navigation bar whose labels end where the left column's first block and
    /// the right column's first label end: poppler makes a table of the four and reads it before
    /// the page's title (page 996 of our synthetic kaart of 1,000). The right column's first unit
    /// moves down.
    #[test]
    fn the_bar_over_both_columns_can_make_a_table_too() {
        let sized = |x0, x1, y0, y1, size, unit| Group { x0, x1, y0, y1, size, unit, block: 0 };
        let groups = vec![
            sized(364.1, 392.0, 16.7, 27.6, 8.0, None),      // "Wonen"
            sized(419.0, 458.8, 16.7, 27.6, 8.0, None),      // "Veiligheid"
            sized(46.0, 325.7, 46.4, 62.8, 12.0, None),      // the title
            sized(34.0, 125.6, 74.1, 85.0, 8.0, None),       // "‹ vervolg van pagina 995"
            sized(35.9, 392.8, 93.2, 119.6, 9.5, None),      // the left column's first block
            sized(35.9, 380.2, 124.7, 151.1, 9.5, None),     // and its second
            sized(434.9, 460.2, 93.4, 105.7, 9.0, Some(0)),  // "Regio"
            sized(513.0, 605.9, 93.2, 106.2, 9.5, Some(0)),  // its value
            sized(434.9, 492.9, 109.8, 122.1, 9.0, Some(1)), // "Trefwoorden"
            sized(513.0, 681.3, 109.6, 122.6, 9.5, Some(1)), // its value
        ];
        let cols = Columns { right_x: 434.9, top: 90.0, bottom: 540.0, footer: Vec::new() };
        let blocks = PageBlocks { groups, units: vec![20, 21] };
        let (block, d) = first_conflict(&blocks, &cols).expect("a table of the bar and the columns");
        assert_eq!(block, 20, "the right column's first unit moves");
        assert!(d > 0.0 && d <= MAX_STEP, "{d}");
    }

    fn run(x: f32, baseline: f32, face: crate::fonts::Face, size: f32, text: &str, block: u32) -> Item {
        Item::Text(super::super::TextRun {
            x,
            baseline,
            size,
            face,
            color: crate::model::Rgb(0, 0, 0),
            // Only whether a run has text matters here.
            text: super::super::Span { start: 0, len: text.len() as u32 },
            w: crate::fonts::Fonts::get().width(face, text, size),
            role: super::super::Role::Paragraph,
            block,
            link: None,
        })
    }

    #[test]
    fn settler_moves_a_right_column_unit_that_would_complete_a_table() {
        use crate::fonts::Face::{Bold, Regular};
        let cols = Columns { right_x: 430.0, top: 90.0, bottom: 500.0, footer: Vec::new() };
        let left = [
            run(34.0, 110.0, Bold, 10.5, "Doel", 1),
            run(34.0, 126.0, Regular, 9.5, "Een paragraaf in de linkerkolom", 2),
        ];
        let mut settler = Settler::new(&left, &cols);
        // A heading beside the left one completes nothing yet.
        assert_eq!(settler.place(&[run(430.0, 110.0, Bold, 10.5, "Aanmelding", 10)], &cols, 100.0), 0.0);
        // A paragraph under it, level with the left one: two headings over two paragraphs, the
        // cells of a table for poppler. It moves down just past half its font size (4.75 pt),
        // where its top, centre and bottom no longer line up with the left paragraph's.
        let d = settler.place(&[run(430.0, 126.0, Regular, 9.5, "Tekst in de rechterkolom", 11)], &cols, 100.0);
        assert_eq!(d, 5.0);
        // Without room it stays where it is.
        let mut settler = Settler::new(&left, &cols);
        settler.place(&[run(430.0, 110.0, Bold, 10.5, "Aanmelding", 10)], &cols, 100.0);
        assert_eq!(settler.place(&[run(430.0, 126.0, Regular, 9.5, "Tekst", 11)], &cols, 0.0), 0.0);
    }
}
