//! The interventiekaart as plain data: what load produces and every later stage reads.
//! No I/O and no logic beyond small accessors; names are English, the YAML keys Dutch.

use std::fmt;

/// A calendar date as written in the data (`YYYY-MM-DD`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// Days since 0000-03-01 (proleptic Gregorian), for comparing dates a year apart.
    pub fn day_number(self) -> i64 {
        let (y, m) = if self.month <= 2 {
            (i64::from(self.year) - 1, i64::from(self.month) + 9)
        } else {
            (i64::from(self.year), i64::from(self.month) - 3)
        };
        365 * y + y / 4 - y / 100 + y / 400 + (153 * m + 2) / 5 + i64::from(self.day) - 1
    }

    /// Days since 1970-01-01.
    pub fn unix_days(self) -> i64 {
        self.day_number() - Date { year: 1970, month: 1, day: 1 }.day_number()
    }

    /// The civil date `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`), for years
    /// 0 to 65535.
    pub fn from_unix_days(days: i64) -> Option<Date> {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = yoe + era * 400 + i64::from(month <= 2);
        Some(Date { year: u16::try_from(year).ok()?, month, day })
    }

    /// The Dutch long form, "24 november 2026".
    pub fn dutch(self) -> String {
        const MONTHS: [&str; 12] = [
            "januari",
            "februari",
            "maart",
            "april",
            "mei",
            "juni",
            "juli",
            "augustus",
            "september",
            "oktober",
            "november",
            "december",
        ];
        let month = MONTHS[usize::from(self.month.clamp(1, 12)) - 1];
        format!("{} {month} {}", self.day, self.year)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// An sRGB colour from `kleur: "#RRGGBB"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

/// `kaart.yaml`: the kaart as a whole.
#[derive(Debug, Clone)]
pub struct Kaart {
    pub title: String,
    pub subtitle: Option<String>,
    pub publisher: Option<String>,
    pub author: Option<String>,
    pub version: Option<String>,
    pub date: Date,
    pub lang: String,
    pub contact: Option<String>,
    pub intro: Option<String>,
    pub colophon: Option<String>,
    pub domains: Vec<Domain>,
    pub target_groups: Vec<TargetGroup>,
    pub fundings: Vec<Funding>,
}

/// A domain (`domeinen`): a colour-coded area of life such as *wonen*.
#[derive(Debug, Clone)]
pub struct Domain {
    pub id: String,
    pub name: String,
    pub color: Rgb,
    pub description: Option<String>,
}

/// A target group (`doelgroepen`), such as *jeugd* or *LVB*.
#[derive(Debug, Clone)]
pub struct TargetGroup {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
}

/// A financing route (`financiering`), such as the *Jeugdwet* or *Wmo 2015*.
#[derive(Debug, Clone)]
pub struct Funding {
    pub id: String,
    pub name: String,
    pub note: Option<String>,
}

/// `kader`: under which regime an intervention is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Framework {
    Voluntary,
    Pressure,
    Compulsion,
}

impl Framework {
    pub const ALL: [(&'static str, Framework); 3] =
        [("vrijwillig", Framework::Voluntary), ("drang", Framework::Pressure), ("dwang", Framework::Compulsion)];

    /// The word printed in the PDF.
    pub fn label(self) -> &'static str {
        match self {
            Framework::Voluntary => "Vrijwillig",
            Framework::Pressure => "Drang",
            Framework::Compulsion => "Dwang",
        }
    }

    pub fn explanation(self) -> &'static str {
        match self {
            Framework::Voluntary => "de persoon doet mee uit eigen keuze",
            Framework::Pressure => {
                "meedoen is formeel vrijwillig, maar met een stok achter de deur (zoals een voorwaardelijke straf)"
            }
            Framework::Compulsion => "opgelegd door de rechter, de officier van justitie of de burgemeester",
        }
    }
}

/// `erkenning`: the recognition level in the Dutch databases of effective interventions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Recognition {
    WellDescribed,
    WellFounded,
    FirstEvidence,
    GoodEvidence,
    StrongEvidence,
    Recognised,
    ProvisionallyRecognised,
    NotRecognised,
    NotAssessed,
}

impl Recognition {
    pub const ALL: [(&'static str, Recognition); 9] = [
        ("goed-beschreven", Recognition::WellDescribed),
        ("goed-onderbouwd", Recognition::WellFounded),
        ("eerste-aanwijzingen", Recognition::FirstEvidence),
        ("goede-aanwijzingen", Recognition::GoodEvidence),
        ("sterke-aanwijzingen", Recognition::StrongEvidence),
        ("erkend", Recognition::Recognised),
        ("voorlopig-erkend", Recognition::ProvisionallyRecognised),
        ("niet-erkend", Recognition::NotRecognised),
        ("niet-beoordeeld", Recognition::NotAssessed),
    ];

    /// The full Dutch name, as the databases print it.
    pub fn label(self) -> &'static str {
        match self {
            Recognition::WellDescribed => "Goed beschreven",
            Recognition::WellFounded => "Goed onderbouwd",
            Recognition::FirstEvidence => "Eerste aanwijzingen voor effectiviteit",
            Recognition::GoodEvidence => "Goede aanwijzingen voor effectiviteit",
            Recognition::StrongEvidence => "Sterke aanwijzingen voor effectiviteit",
            Recognition::Recognised => "Erkend (justitiële interventie)",
            Recognition::ProvisionallyRecognised => "Voorlopig erkend (justitiële interventie)",
            Recognition::NotRecognised => "Niet erkend",
            Recognition::NotAssessed => "Niet beoordeeld",
        }
    }
}

/// `leeftijd: {min, max}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgeRange {
    pub min: Option<u32>,
    pub max: Option<u32>,
}

/// `contact`: how to reach the provider.
#[derive(Debug, Clone, Default)]
pub struct Contact {
    pub website: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// One intervention, from `interventies/<id>.yaml`.
#[derive(Debug, Clone)]
pub struct Intervention {
    /// The file name without `.yaml`; also the named destination.
    pub id: String,
    pub name: String,
    pub summary: String,
    /// Domain ids; the first is the primary domain.
    pub domains: Vec<String>,
    pub target_groups: Vec<String>,
    pub description: String,
    pub goal: Option<String>,
    pub method: Option<String>,
    pub indication: Option<String>,
    pub contra_indication: Option<String>,
    pub referral: Option<String>,
    pub provider: Option<String>,
    pub frameworks: Vec<Framework>,
    pub fundings: Vec<String>,
    pub age: Option<AgeRange>,
    pub duration: Option<String>,
    pub costs: Option<String>,
    pub recognition: Option<Recognition>,
    pub regions: Vec<String>,
    pub contact: Option<Contact>,
    pub related: Vec<String>,
    pub keywords: Vec<String>,
    pub sources: Vec<String>,
    pub updated: Option<Date>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_count_leap_years() {
        let a = Date { year: 2024, month: 2, day: 28 };
        let b = Date { year: 2024, month: 3, day: 1 };
        assert_eq!(b.day_number() - a.day_number(), 2);
        let c = Date { year: 2025, month: 3, day: 1 };
        assert_eq!(c.day_number() - b.day_number(), 365);
    }

    #[test]
    fn unix_days_round_trip() {
        let d = Date { year: 2024, month: 2, day: 29 };
        assert_eq!(Date { year: 1970, month: 1, day: 1 }.unix_days(), 0);
        assert_eq!(Date::from_unix_days(d.unix_days()), Some(d));
        assert_eq!(Date::from_unix_days(19_675), Some(Date { year: 2023, month: 11, day: 14 }));
    }

    #[test]
    fn dutch_date() {
        let d = Date { year: 2026, month: 11, day: 4 };
        assert_eq!(d.dutch(), "4 november 2026");
        assert_eq!(d.to_string(), "2026-11-04");
    }
}
