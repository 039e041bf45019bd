//! Who is on the other end: the address a request came from, or behind trusted proxies the
//! address the nearest untrusted hop forwarded it for. Rate limits and IP restrictions use it.
use std::net::IpAddr;

/// The caller's address: `peer` (the connection's), unless `peer` is one of `trusted`; then the
/// last hop of `forwarded` (the values of `X-Forwarded-For`, in order, each a comma-separated
/// list of hops, oldest first) that is not a trusted proxy itself. A hop that is not an address
/// ends the walk there (a proxy wrote it, or a client lied: the hop after it is the last one a
/// trusted proxy vouches for). IPv4-mapped IPv6 addresses are read as IPv4.
pub fn caller_address<'a>(peer: IpAddr, forwarded: impl Iterator<Item = &'a str>, trusted: &[IpAddr]) -> IpAddr {
    let mut caller = peer.to_canonical();
    if !trusted.contains(&caller) {
        return caller;
    }
    let hops: Vec<&str> = forwarded.flat_map(|value| value.split(',')).collect();
    for hop in hops.into_iter().rev() {
        match hop.trim().parse::<IpAddr>() {
            Ok(address) => {
                caller = address.to_canonical();
                if !trusted.contains(&caller) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    caller
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn only_trusted_proxies_are_looked_through() {
        let trusted = [ip("10.0.0.1"), ip("10.0.0.2")];
        let hops = |text: &'static str| std::iter::once(text);
        // Directly: whatever the header says.
        assert_eq!(caller_address(ip("203.0.113.9"), hops("198.51.100.1"), &trusted), ip("203.0.113.9"));
        // Through one proxy, then through two: the nearest untrusted hop.
        assert_eq!(caller_address(ip("10.0.0.1"), hops("198.51.100.1"), &trusted), ip("198.51.100.1"));
        assert_eq!(
            caller_address(ip("10.0.0.1"), hops("6.6.6.6, 198.51.100.1, 10.0.0.2"), &trusted),
            ip("198.51.100.1")
        );
        // A forged or unreadable hop before the proxy's own is not believed.
        assert_eq!(caller_address(ip("10.0.0.1"), hops("6.6.6.6, junk, 198.51.100.1"), &trusted), ip("198.51.100.1"));
        assert_eq!(caller_address(ip("10.0.0.1"), hops("198.51.100.1, junk"), &trusted), ip("10.0.0.1"));
        // No header: the proxy itself.
        assert_eq!(caller_address(ip("10.0.0.1"), std::iter::empty(), &trusted), ip("10.0.0.1"));
        // Several headers: one list.
        let two = ["6.6.6.6, 198.51.100.1", "10.0.0.2"];
        assert_eq!(caller_address(ip("10.0.0.1"), two.into_iter(), &trusted), ip("198.51.100.1"));
        // IPv4 over an IPv6 socket.
        assert_eq!(caller_address(ip("::ffff:203.0.113.9"), std::iter::empty(), &trusted), ip("203.0.113.9"));
    }
}
