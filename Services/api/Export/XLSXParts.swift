/// The fixed and workbook-level parts of an xlsx package (everything but the sheets and shared strings).
enum XLSXParts {
    /// The declaration that opens every part.
    static let xmlDeclaration: StaticString = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    /// SpreadsheetML's main namespace.
    static let mainNamespace: StaticString = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

    /// `[Content_Types].xml` for `sheetCount` worksheets.
    static func contentTypes(sheetCount: Int) -> [UInt8] {
        var buffer = ByteWriter(capacity: 1024 + sheetCount * 160)
        buffer.append(xmlDeclaration)
        buffer.append("<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">")
        buffer.append(
            "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
        )
        buffer.append("<Default Extension=\"xml\" ContentType=\"application/xml\"/>")
        buffer.append("<Override PartName=\"/xl/workbook.xml\" ContentType=\"")
        buffer.append("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>")
        for number in 1...max(sheetCount, 1) {
            buffer.append("<Override PartName=\"/xl/worksheets/sheet")
            buffer.append(decimal: number)
            buffer.append(".xml\" ContentType=\"")
            buffer.append("application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>")
        }
        buffer.append("<Override PartName=\"/xl/styles.xml\" ContentType=\"")
        buffer.append("application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>")
        buffer.append("<Override PartName=\"/xl/sharedStrings.xml\" ContentType=\"")
        buffer.append("application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml\"/>")
        buffer.append("</Types>")
        return buffer.bytes
    }

    /// `_rels/.rels`: the package's entry point, the workbook.
    static func packageRelationships() -> [UInt8] {
        var buffer = ByteWriter(capacity: 512)
        buffer.append(xmlDeclaration)
        buffer.append("<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">")
        buffer.append("<Relationship Id=\"rId1\" ")
        buffer.append("Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" ")
        buffer.append("Target=\"xl/workbook.xml\"/>")
        buffer.append("</Relationships>")
        return buffer.bytes
    }

    /// `xl/workbook.xml`: the sheet names in tab order; sheet N is relationship `rIdN`.
    static func workbook(sheetNames: [String]) -> [UInt8] {
        var buffer = ByteWriter(capacity: 512 + sheetNames.count * 96)
        buffer.append(xmlDeclaration)
        buffer.append("<workbook xmlns=\"")
        buffer.append(mainNamespace)
        buffer.append("\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">")
        buffer.append("<bookViews><workbookView activeTab=\"0\"/></bookViews><sheets>")
        for (offset, name) in sheetNames.enumerated() {
            buffer.append("<sheet name=\"")
            buffer.append(xmlEscaped: name, attribute: true)
            buffer.append("\" sheetId=\"")
            buffer.append(decimal: offset + 1)
            buffer.append("\" r:id=\"rId")
            buffer.append(decimal: offset + 1)
            buffer.append("\"/>")
        }
        buffer.append("</sheets></workbook>")
        return buffer.bytes
    }

    /// `xl/_rels/workbook.xml.rels`: the sheets as `rId1...rIdN`, then styles and shared strings.
    static func workbookRelationships(sheetCount: Int) -> [UInt8] {
        let relationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
        var buffer = ByteWriter(capacity: 512 + sheetCount * 160)
        buffer.append(xmlDeclaration)
        buffer.append("<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">")
        for number in 1...max(sheetCount, 1) {
            buffer.append("<Relationship Id=\"rId")
            buffer.append(decimal: number)
            buffer.append("\" Type=\"")
            buffer.append(raw: relationships + "worksheet")
            buffer.append("\" Target=\"worksheets/sheet")
            buffer.append(decimal: number)
            buffer.append(".xml\"/>")
        }
        buffer.append("<Relationship Id=\"rId")
        buffer.append(decimal: sheetCount + 1)
        buffer.append("\" Type=\"")
        buffer.append(raw: relationships + "styles")
        buffer.append("\" Target=\"styles.xml\"/>")
        buffer.append("<Relationship Id=\"rId")
        buffer.append(decimal: sheetCount + 2)
        buffer.append("\" Type=\"")
        buffer.append(raw: relationships + "sharedStrings")
        buffer.append("\" Target=\"sharedStrings.xml\"/>")
        buffer.append("</Relationships>")
        return buffer.bytes
    }

    /// `xl/styles.xml` with three cell styles, which the sheets refer to by index in their `s` attribute:
    /// 0 plain (General), 1 dates (custom format 164, `yyyy-mm-dd`), 2 header (bold).
    static func styles() -> [UInt8] {
        var buffer = ByteWriter(capacity: 2048)
        buffer.append(xmlDeclaration)
        buffer.append("<styleSheet xmlns=\"")
        buffer.append(mainNamespace)
        buffer.append("\">")
        // Custom number formats start at 164; readers (openpyxl, LibreOffice, Excel) see y, m and d and treat the
        // cell as a date.
        buffer.append("<numFmts count=\"1\"><numFmt numFmtId=\"164\" formatCode=\"yyyy-mm-dd\"/></numFmts>")
        buffer.append("<fonts count=\"2\">")
        buffer.append("<font><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font>")
        buffer.append("<font><b/><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font>")
        buffer.append("</fonts>")
        // Excel requires the first two fills to be exactly these.
        buffer.append("<fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill>")
        buffer.append("<fill><patternFill patternType=\"gray125\"/></fill></fills>")
        buffer.append("<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>")
        buffer.append("<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/>")
        buffer.append("</cellStyleXfs>")
        buffer.append("<cellXfs count=\"3\">")
        buffer.append("<xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>")
        buffer.append(
            "<xf numFmtId=\"164\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>"
        )
        buffer.append("<xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/>")
        buffer.append("</cellXfs>")
        buffer.append("<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>")
        buffer.append("</styleSheet>")
        return buffer.bytes
    }
}
