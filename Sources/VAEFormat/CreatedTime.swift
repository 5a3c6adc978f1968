#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The metadata's `created` time: `YYYY-MM-DDTHH:MM:SSZ`, UTC, a real date, seconds 00–59 (Formats/vaez.md 6.1).
///
/// Plain calendar arithmetic instead of Foundation's date formatters, whose parsing is lenient and locale-bound.
enum CreatedTime {
    /// True for a well-formed, real UTC time with ASCII digits, years 0001–9999.
    static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        let pattern = Array("dddd-dd-ddTdd:dd:ddZ".utf8)
        guard bytes.count == pattern.count else { return false }
        for (byte, expected) in zip(bytes, pattern) {
            if expected == UInt8(ascii: "d") {
                guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return false }
            } else if byte != expected {
                return false
            }
        }
        func number(_ range: Range<Int>) -> Int { bytes[range].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) } }
        let year = number(0..<4)
        let month = number(5..<7)
        let day = number(8..<10)
        guard year >= 1, (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year) else {
            return false
        }
        return number(11..<13) <= 23 && number(14..<16) <= 59 && number(17..<19) <= 59
    }

    /// A Unix time as `YYYY-MM-DDTHH:MM:SSZ`, or nil outside years 0001–9999.
    static func format(unixTime: Int64) -> String? {
        let (days, seconds) = unixTime.quotientAndRemainder(dividingBy: 86_400)
        // Floor division: a negative remainder belongs to the previous day.
        let dayNumber = seconds < 0 ? days - 1 : days
        let secondOfDay = seconds < 0 ? seconds + 86_400 : seconds
        let (year, month, day) = civilDate(daysSinceEpoch: dayNumber)
        guard (1...9999).contains(year) else { return nil }
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let yearText = String(repeating: "0", count: 4 - String(year).count) + String(year)
        let time = "\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))"
        return "\(yearText)-\(two(month))-\(two(day))T\(time)Z"
    }

    /// The current time, to the second.
    static func now() -> String {
        format(unixTime: Int64(time(nil)))!
    }

    /// The value of `SOURCE_DATE_EPOCH` in this process's environment, nil when unset.
    static func environmentSourceDateEpoch() -> String? {
        getenv("SOURCE_DATE_EPOCH").map { String(cString: $0) }
    }

    /// The time a `SOURCE_DATE_EPOCH` value gives: nil when unset or empty, `.failure` when it is not a Unix time in
    /// range.
    static func sourceDateEpoch(_ text: String?) -> Result<String, VAEZWriter.InputError>? {
        guard let text, !text.isEmpty else { return nil }
        guard let seconds = Int64(text), let formatted = format(unixTime: seconds) else {
            return .failure(.invalidSourceDateEpoch(text))
        }
        return .success(formatted)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
    private static func civilDate(daysSinceEpoch: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
