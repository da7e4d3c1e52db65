//! The 999 implementation acknowledgment reader (005010X231A1): which transaction sets of a
//! functional group the receiver accepted, and why it rejected the others.

use super::codes::{self, Coded};
use super::error::ReadError;
use super::parse::{self, Seg};

/// A 999, read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Ack999 {
    /// ISA13 of the 999 itself.
    pub interchange_control_number: String,
    /// AK101: the functional identifier of the group acknowledged (`HC` for claims).
    pub functional_id: String,
    /// AK102: the GS06 group control number of the file acknowledged.
    pub group_control_number: String,
    /// AK103: the version of the group acknowledged, when given.
    pub version: Option<String>,
    /// One entry per AK2 loop.
    pub transaction_sets: Vec<SetAck>,
    /// AK901: the verdict on the whole group.
    pub group_status: Coded,
    /// AK902: transaction sets the sender said were in the group.
    pub sets_included: u32,
    /// AK903: transaction sets received.
    pub sets_received: u32,
    /// AK904: transaction sets accepted.
    pub sets_accepted: u32,
    /// AK905..AK909: errors of the group.
    pub group_errors: Vec<Coded>,
}

/// The verdict on one transaction set (AK2 loop).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SetAck {
    /// AK201 (`837`).
    pub set_id: String,
    /// AK202: the ST02 control number acknowledged.
    pub control_number: String,
    /// AK203: implementation convention reference, when given.
    pub implementation: Option<String>,
    /// IK501.
    pub status: Coded,
    /// IK502..IK506.
    pub set_errors: Vec<Coded>,
    /// IK3 loops.
    pub segment_errors: Vec<SegmentError>,
}

/// An IK3 loop: a segment in error.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SegmentError {
    /// IK301 segment id.
    pub segment_id: String,
    /// IK302 position of the segment in the transaction set (ST is 1).
    pub position: u32,
    /// IK303 loop identifier, when given.
    pub loop_id: Option<String>,
    /// IK304.
    pub error: Coded,
    /// IK4 loops.
    pub element_errors: Vec<ElementError>,
}

/// An IK4: an element in error.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ElementError {
    /// IK401-1 element position in the segment.
    pub position: u32,
    /// IK401-2 component position, when the element is a composite.
    pub component: Option<u32>,
    /// IK402 data element reference number, when given.
    pub element_reference: Option<String>,
    /// IK403.
    pub error: Coded,
    /// IK404 a copy of the bad value, when given.
    pub bad_value: Option<String>,
}

impl SetAck {
    /// Whether the set was accepted (`A`, or `E`: accepted with errors noted).
    pub fn accepted(&self) -> bool {
        matches!(self.status.code.as_str(), "A" | "E")
    }
}

impl Ack999 {
    /// The verdict on the transaction set with this ST02 control number (leading zeros are
    /// ignored).
    pub fn set(&self, control_number: u32) -> Option<&SetAck> {
        self.transaction_sets
            .iter()
            .find(|s| s.control_number.trim().parse::<u32>().ok() == Some(control_number))
    }
}

fn number(s: &str) -> u32 {
    s.trim().parse().unwrap_or(0)
}

/// Reads a 999 interchange.
pub fn read_999(text: &str) -> Result<Ack999, ReadError> {
    let segs = parse::segments(text)?;
    let (isa13, st) = parse::transaction(&segs, "999")?;
    let mut ack = Ack999 {
        interchange_control_number: isa13.to_string(),
        functional_id: String::new(),
        group_control_number: String::new(),
        version: None,
        transaction_sets: Vec::new(),
        group_status: Coded::new("", codes::ack_code),
        sets_included: 0,
        sets_received: 0,
        sets_accepted: 0,
        group_errors: Vec::new(),
    };
    let mut seen_ak1 = false;
    let mut seen_ak9 = false;
    for s in st {
        match s.id() {
            "AK1" => {
                seen_ak1 = true;
                ack.functional_id = s.el(1).to_string();
                ack.group_control_number = s.el(2).to_string();
                ack.version = s.opt(3).map(str::to_string);
            }
            "AK2" => ack.transaction_sets.push(SetAck {
                set_id: s.el(1).to_string(),
                control_number: s.el(2).to_string(),
                implementation: s.opt(3).map(str::to_string),
                status: Coded::new("", codes::ack_code),
                set_errors: Vec::new(),
                segment_errors: Vec::new(),
            }),
            "IK3" => current(&mut ack, s)?.segment_errors.push(segment_error(s)),
            "IK4" => {
                let set = current(&mut ack, s)?;
                let seg = set
                    .segment_errors
                    .last_mut()
                    .ok_or_else(|| ReadError::Structure("IK4 before any IK3".into()))?;
                seg.element_errors.push(ElementError {
                    position: number(s.comp(1, 1)),
                    component: s.comp(1, 2).parse().ok(),
                    element_reference: s.opt(2).map(str::to_string),
                    error: Coded::new(s.el(3), codes::element_error),
                    bad_value: s.opt(4).map(str::to_string),
                });
            }
            "IK5" => {
                let set = current(&mut ack, s)?;
                set.status = Coded::new(s.el(1), codes::ack_code);
                set.set_errors = s.rest(2).map(|c| Coded::new(c, codes::set_error)).collect();
            }
            "AK9" => {
                seen_ak9 = true;
                ack.group_status = Coded::new(s.el(1), codes::ack_code);
                ack.sets_included = number(s.el(2));
                ack.sets_received = number(s.el(3));
                ack.sets_accepted = number(s.el(4));
                ack.group_errors = s
                    .rest(5)
                    .map(|c| Coded::new(c, codes::group_error))
                    .collect();
            }
            _ => {}
        }
    }
    if !seen_ak1 || !seen_ak9 {
        return Err(ReadError::Structure("a 999 needs AK1 and AK9".into()));
    }
    Ok(ack)
}

fn current<'a>(ack: &'a mut Ack999, s: &Seg<'_>) -> Result<&'a mut SetAck, ReadError> {
    ack.transaction_sets
        .last_mut()
        .ok_or_else(|| ReadError::Structure(format!("{} before any AK2", s.id())))
}

fn segment_error(s: &Seg<'_>) -> SegmentError {
    SegmentError {
        segment_id: s.el(1).to_string(),
        position: number(s.el(2)),
        loop_id: s.opt(3).map(str::to_string),
        error: Coded::new(s.el(4), codes::segment_error),
        element_errors: Vec::new(),
    }
}
