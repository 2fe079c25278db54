//! Which topics a consumer group member is assigned, from the assignment
//! bytes the group coordinator returns for it (DescribeGroups).
//!
//! Members of the classic `consumer` protocol carry Kafka's
//! `ConsumerProtocolAssignment`: an int16 version, then an int32 count of
//! (int16-length topic name, int32 count of int32 partitions) entries, then
//! user data this reader does not need. librdkafka hands the bytes over
//! undecoded and no maintained crate decodes just this, so it is read here,
//! every length checked against what is left.

/// Most topic entries believed in one assignment; a larger count is not an
/// assignment (and must not make us allocate for it).
const MAX_TOPICS: usize = 100_000;

/// The topics named in `bytes`, or `None` when they are not a consumer
/// protocol assignment.
pub(super) fn assigned_topics(bytes: &[u8]) -> Option<Vec<String>> {
    let mut reader = Reader(bytes);
    let _version = reader.i16()?;
    let count = usize::try_from(reader.i32()?).ok()?;
    if count > MAX_TOPICS {
        return None;
    }
    let mut topics = Vec::new();
    for _ in 0..count {
        let length = usize::try_from(reader.i16()?).ok()?;
        let name = std::str::from_utf8(reader.take(length)?).ok()?;
        let partitions = usize::try_from(reader.i32()?).ok()?;
        reader.take(partitions.checked_mul(4)?)?;
        topics.push(name.to_owned());
    }
    Some(topics)
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.0.len() {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn i16(&mut self) -> Option<i16> {
        Some(i16::from_be_bytes(self.take(2)?.try_into().ok()?))
    }

    fn i32(&mut self) -> Option<i32> {
        Some(i32::from_be_bytes(self.take(4)?.try_into().ok()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(topics: &[(&str, &[i32])]) -> Vec<u8> {
        let mut out = 1i16.to_be_bytes().to_vec();
        out.extend((topics.len() as i32).to_be_bytes());
        for (name, partitions) in topics {
            out.extend((name.len() as i16).to_be_bytes());
            out.extend(name.as_bytes());
            out.extend((partitions.len() as i32).to_be_bytes());
            for p in *partitions {
                out.extend(p.to_be_bytes());
            }
        }
        out.extend((-1i32).to_be_bytes());
        out
    }

    #[test]
    fn reads_the_topic_names_of_an_assignment() {
        let bytes = encode(&[("orders", &[0, 2]), ("payments", &[1])]);
        assert_eq!(
            assigned_topics(&bytes),
            Some(vec!["orders".to_owned(), "payments".to_owned()])
        );
        assert_eq!(assigned_topics(&encode(&[])), Some(vec![]));
    }

    #[test]
    fn refuses_truncated_or_absurd_bytes() {
        let bytes = encode(&[("orders", &[0, 2])]);
        for cut in 0..bytes.len() - 4 {
            assert_eq!(assigned_topics(&bytes[..cut]), None, "cut at {cut}");
        }
        let mut huge = 0i16.to_be_bytes().to_vec();
        huge.extend(i32::MAX.to_be_bytes());
        assert_eq!(assigned_topics(&huge), None);
        let mut negative = 0i16.to_be_bytes().to_vec();
        negative.extend((-5i32).to_be_bytes());
        assert_eq!(assigned_topics(&negative), None);
    }
}
