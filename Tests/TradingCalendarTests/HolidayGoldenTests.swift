import Testing
import TradingCalendar

@Suite("NYSE closure golden list")
struct HolidayGoldenTests {
    /// Every weekday closure 2000-2030 as `date name`. The dates were checked against exchange_calendars 4.13.2
    /// "XNYS" (weekdays absent from its sessions) and agree exactly; the names are this library's own.
    static let golden = """
        2000-01-17 Martin Luther King Jr. Day
        2000-02-21 Washington's Birthday
        2000-04-21 Good Friday
        2000-05-29 Memorial Day
        2000-07-04 Independence Day
        2000-09-04 Labor Day
        2000-11-23 Thanksgiving Day
        2000-12-25 Christmas Day
        2001-01-01 New Year's Day
        2001-01-15 Martin Luther King Jr. Day
        2001-02-19 Washington's Birthday
        2001-04-13 Good Friday
        2001-05-28 Memorial Day
        2001-07-04 Independence Day
        2001-09-03 Labor Day
        2001-09-11 September 11 attacks
        2001-09-12 September 11 attacks
        2001-09-13 September 11 attacks
        2001-09-14 September 11 attacks
        2001-11-22 Thanksgiving Day
        2001-12-25 Christmas Day
        2002-01-01 New Year's Day
        2002-01-21 Martin Luther King Jr. Day
        2002-02-18 Washington's Birthday
        2002-03-29 Good Friday
        2002-05-27 Memorial Day
        2002-07-04 Independence Day
        2002-09-02 Labor Day
        2002-11-28 Thanksgiving Day
        2002-12-25 Christmas Day
        2003-01-01 New Year's Day
        2003-01-20 Martin Luther King Jr. Day
        2003-02-17 Washington's Birthday
        2003-04-18 Good Friday
        2003-05-26 Memorial Day
        2003-07-04 Independence Day
        2003-09-01 Labor Day
        2003-11-27 Thanksgiving Day
        2003-12-25 Christmas Day
        2004-01-01 New Year's Day
        2004-01-19 Martin Luther King Jr. Day
        2004-02-16 Washington's Birthday
        2004-04-09 Good Friday
        2004-05-31 Memorial Day
        2004-06-11 National Day of Mourning (Reagan)
        2004-07-05 Independence Day (observed)
        2004-09-06 Labor Day
        2004-11-25 Thanksgiving Day
        2004-12-24 Christmas Day (observed)
        2005-01-17 Martin Luther King Jr. Day
        2005-02-21 Washington's Birthday
        2005-03-25 Good Friday
        2005-05-30 Memorial Day
        2005-07-04 Independence Day
        2005-09-05 Labor Day
        2005-11-24 Thanksgiving Day
        2005-12-26 Christmas Day (observed)
        2006-01-02 New Year's Day (observed)
        2006-01-16 Martin Luther King Jr. Day
        2006-02-20 Washington's Birthday
        2006-04-14 Good Friday
        2006-05-29 Memorial Day
        2006-07-04 Independence Day
        2006-09-04 Labor Day
        2006-11-23 Thanksgiving Day
        2006-12-25 Christmas Day
        2007-01-01 New Year's Day
        2007-01-02 National Day of Mourning (Ford)
        2007-01-15 Martin Luther King Jr. Day
        2007-02-19 Washington's Birthday
        2007-04-06 Good Friday
        2007-05-28 Memorial Day
        2007-07-04 Independence Day
        2007-09-03 Labor Day
        2007-11-22 Thanksgiving Day
        2007-12-25 Christmas Day
        2008-01-01 New Year's Day
        2008-01-21 Martin Luther King Jr. Day
        2008-02-18 Washington's Birthday
        2008-03-21 Good Friday
        2008-05-26 Memorial Day
        2008-07-04 Independence Day
        2008-09-01 Labor Day
        2008-11-27 Thanksgiving Day
        2008-12-25 Christmas Day
        2009-01-01 New Year's Day
        2009-01-19 Martin Luther King Jr. Day
        2009-02-16 Washington's Birthday
        2009-04-10 Good Friday
        2009-05-25 Memorial Day
        2009-07-03 Independence Day (observed)
        2009-09-07 Labor Day
        2009-11-26 Thanksgiving Day
        2009-12-25 Christmas Day
        2010-01-01 New Year's Day
        2010-01-18 Martin Luther King Jr. Day
        2010-02-15 Washington's Birthday
        2010-04-02 Good Friday
        2010-05-31 Memorial Day
        2010-07-05 Independence Day (observed)
        2010-09-06 Labor Day
        2010-11-25 Thanksgiving Day
        2010-12-24 Christmas Day (observed)
        2011-01-17 Martin Luther King Jr. Day
        2011-02-21 Washington's Birthday
        2011-04-22 Good Friday
        2011-05-30 Memorial Day
        2011-07-04 Independence Day
        2011-09-05 Labor Day
        2011-11-24 Thanksgiving Day
        2011-12-26 Christmas Day (observed)
        2012-01-02 New Year's Day (observed)
        2012-01-16 Martin Luther King Jr. Day
        2012-02-20 Washington's Birthday
        2012-04-06 Good Friday
        2012-05-28 Memorial Day
        2012-07-04 Independence Day
        2012-09-03 Labor Day
        2012-10-29 Hurricane Sandy
        2012-10-30 Hurricane Sandy
        2012-11-22 Thanksgiving Day
        2012-12-25 Christmas Day
        2013-01-01 New Year's Day
        2013-01-21 Martin Luther King Jr. Day
        2013-02-18 Washington's Birthday
        2013-03-29 Good Friday
        2013-05-27 Memorial Day
        2013-07-04 Independence Day
        2013-09-02 Labor Day
        2013-11-28 Thanksgiving Day
        2013-12-25 Christmas Day
        2014-01-01 New Year's Day
        2014-01-20 Martin Luther King Jr. Day
        2014-02-17 Washington's Birthday
        2014-04-18 Good Friday
        2014-05-26 Memorial Day
        2014-07-04 Independence Day
        2014-09-01 Labor Day
        2014-11-27 Thanksgiving Day
        2014-12-25 Christmas Day
        2015-01-01 New Year's Day
        2015-01-19 Martin Luther King Jr. Day
        2015-02-16 Washington's Birthday
        2015-04-03 Good Friday
        2015-05-25 Memorial Day
        2015-07-03 Independence Day (observed)
        2015-09-07 Labor Day
        2015-11-26 Thanksgiving Day
        2015-12-25 Christmas Day
        2016-01-01 New Year's Day
        2016-01-18 Martin Luther King Jr. Day
        2016-02-15 Washington's Birthday
        2016-03-25 Good Friday
        2016-05-30 Memorial Day
        2016-07-04 Independence Day
        2016-09-05 Labor Day
        2016-11-24 Thanksgiving Day
        2016-12-26 Christmas Day (observed)
        2017-01-02 New Year's Day (observed)
        2017-01-16 Martin Luther King Jr. Day
        2017-02-20 Washington's Birthday
        2017-04-14 Good Friday
        2017-05-29 Memorial Day
        2017-07-04 Independence Day
        2017-09-04 Labor Day
        2017-11-23 Thanksgiving Day
        2017-12-25 Christmas Day
        2018-01-01 New Year's Day
        2018-01-15 Martin Luther King Jr. Day
        2018-02-19 Washington's Birthday
        2018-03-30 Good Friday
        2018-05-28 Memorial Day
        2018-07-04 Independence Day
        2018-09-03 Labor Day
        2018-11-22 Thanksgiving Day
        2018-12-05 National Day of Mourning (G. H. W. Bush)
        2018-12-25 Christmas Day
        2019-01-01 New Year's Day
        2019-01-21 Martin Luther King Jr. Day
        2019-02-18 Washington's Birthday
        2019-04-19 Good Friday
        2019-05-27 Memorial Day
        2019-07-04 Independence Day
        2019-09-02 Labor Day
        2019-11-28 Thanksgiving Day
        2019-12-25 Christmas Day
        2020-01-01 New Year's Day
        2020-01-20 Martin Luther King Jr. Day
        2020-02-17 Washington's Birthday
        2020-04-10 Good Friday
        2020-05-25 Memorial Day
        2020-07-03 Independence Day (observed)
        2020-09-07 Labor Day
        2020-11-26 Thanksgiving Day
        2020-12-25 Christmas Day
        2021-01-01 New Year's Day
        2021-01-18 Martin Luther King Jr. Day
        2021-02-15 Washington's Birthday
        2021-04-02 Good Friday
        2021-05-31 Memorial Day
        2021-07-05 Independence Day (observed)
        2021-09-06 Labor Day
        2021-11-25 Thanksgiving Day
        2021-12-24 Christmas Day (observed)
        2022-01-17 Martin Luther King Jr. Day
        2022-02-21 Washington's Birthday
        2022-04-15 Good Friday
        2022-05-30 Memorial Day
        2022-06-20 Juneteenth (observed)
        2022-07-04 Independence Day
        2022-09-05 Labor Day
        2022-11-24 Thanksgiving Day
        2022-12-26 Christmas Day (observed)
        2023-01-02 New Year's Day (observed)
        2023-01-16 Martin Luther King Jr. Day
        2023-02-20 Washington's Birthday
        2023-04-07 Good Friday
        2023-05-29 Memorial Day
        2023-06-19 Juneteenth
        2023-07-04 Independence Day
        2023-09-04 Labor Day
        2023-11-23 Thanksgiving Day
        2023-12-25 Christmas Day
        2024-01-01 New Year's Day
        2024-01-15 Martin Luther King Jr. Day
        2024-02-19 Washington's Birthday
        2024-03-29 Good Friday
        2024-05-27 Memorial Day
        2024-06-19 Juneteenth
        2024-07-04 Independence Day
        2024-09-02 Labor Day
        2024-11-28 Thanksgiving Day
        2024-12-25 Christmas Day
        2025-01-01 New Year's Day
        2025-01-09 National Day of Mourning (Carter)
        2025-01-20 Martin Luther King Jr. Day
        2025-02-17 Washington's Birthday
        2025-04-18 Good Friday
        2025-05-26 Memorial Day
        2025-06-19 Juneteenth
        2025-07-04 Independence Day
        2025-09-01 Labor Day
        2025-11-27 Thanksgiving Day
        2025-12-25 Christmas Day
        2026-01-01 New Year's Day
        2026-01-19 Martin Luther King Jr. Day
        2026-02-16 Washington's Birthday
        2026-04-03 Good Friday
        2026-05-25 Memorial Day
        2026-06-19 Juneteenth
        2026-07-03 Independence Day (observed)
        2026-09-07 Labor Day
        2026-11-26 Thanksgiving Day
        2026-12-25 Christmas Day
        2027-01-01 New Year's Day
        2027-01-18 Martin Luther King Jr. Day
        2027-02-15 Washington's Birthday
        2027-03-26 Good Friday
        2027-05-31 Memorial Day
        2027-06-18 Juneteenth (observed)
        2027-07-05 Independence Day (observed)
        2027-09-06 Labor Day
        2027-11-25 Thanksgiving Day
        2027-12-24 Christmas Day (observed)
        2028-01-17 Martin Luther King Jr. Day
        2028-02-21 Washington's Birthday
        2028-04-14 Good Friday
        2028-05-29 Memorial Day
        2028-06-19 Juneteenth
        2028-07-04 Independence Day
        2028-09-04 Labor Day
        2028-11-23 Thanksgiving Day
        2028-12-25 Christmas Day
        2029-01-01 New Year's Day
        2029-01-15 Martin Luther King Jr. Day
        2029-02-19 Washington's Birthday
        2029-03-30 Good Friday
        2029-05-28 Memorial Day
        2029-06-19 Juneteenth
        2029-07-04 Independence Day
        2029-09-03 Labor Day
        2029-11-22 Thanksgiving Day
        2029-12-25 Christmas Day
        2030-01-01 New Year's Day
        2030-01-21 Martin Luther King Jr. Day
        2030-02-18 Washington's Birthday
        2030-04-19 Good Friday
        2030-05-27 Memorial Day
        2030-06-19 Juneteenth
        2030-07-04 Independence Day
        2030-09-02 Labor Day
        2030-11-28 Thanksgiving Day
        2030-12-25 Christmas Day
        """

    @Test("holidays(in:) for 2000...2030 matches the golden list")
    func matchesGolden() {
        let actual = (2000...2030).flatMap { NYSECalendar.standard.holidays(in: $0) }.map { "\($0.date) \($0.name)" }
        let expected = Self.golden.split(separator: "\n").map(String.init)
        #expect(actual.count == expected.count)
        for (actualLine, expectedLine) in zip(actual, expected) where actualLine != expectedLine {
            Issue.record("expected \(expectedLine), got \(actualLine)")
        }
    }
}
