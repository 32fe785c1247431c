import Foundation

/// Checks a JSON value against the subset of JSON Schema (2020-12, as OpenAPI 3.1 uses it) that the API's document
/// uses: `$ref`, `type` (one or a list, `null` included), `properties`, `required`, `additionalProperties`,
/// `items`, `enum`, `oneOf` and `format: date`.
struct SchemaValidator {
    let document: [String: Any]

    func resolve(_ schema: [String: Any]) -> [String: Any] {
        guard let reference = schema["$ref"] as? String, reference.hasPrefix("#/") else { return schema }
        var node: Any = document
        for part in reference.dropFirst(2).split(separator: "/") {
            node = (node as? [String: Any])?[String(part)] ?? [:]
        }
        return resolve(node as? [String: Any] ?? [:])
    }

    /// Every way `value` breaks `schema`, with its path; empty when it conforms.
    func problems(_ value: Any, _ schema: [String: Any], at path: String = "$") -> [String] {
        let schema = resolve(schema)
        if let options = schema["oneOf"] as? [[String: Any]] {
            let matching = options.filter { problems(value, $0, at: path).isEmpty }
            return matching.count == 1 ? [] : ["\(path): matches \(matching.count) of oneOf"]
        }
        var found: [String] = []
        if let types = schema["type"].map({ ($0 as? [String]) ?? [$0 as? String ?? ""] }) {
            guard types.contains(where: { Self.isType(value, $0) }) else {
                return ["\(path): \(Self.describe(value)) is not \(types.joined(separator: " or "))"]
            }
        }
        if value is NSNull { return [] }
        if let allowed = schema["enum"] as? [Any] {
            let text = "\(value)"
            if !allowed.contains(where: { "\($0)" == text }) { found.append("\(path): \(text) is not in \(allowed)") }
        }
        if schema["format"] as? String == "date", let text = value as? String,
            text.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) == nil
        {
            found.append("\(path): '\(text)' is not a date")
        }
        if let object = value as? [String: Any] {
            let properties = schema["properties"] as? [String: [String: Any]] ?? [:]
            for key in schema["required"] as? [String] ?? [] where object[key] == nil {
                found.append("\(path): missing \(key)")
            }
            for (key, item) in object {
                if let property = properties[key] {
                    found += problems(item, property, at: "\(path).\(key)")
                } else if let additional = schema["additionalProperties"] as? [String: Any] {
                    found += problems(item, additional, at: "\(path).\(key)")
                } else if (schema["additionalProperties"] as? Bool) == false {
                    found.append("\(path): undocumented property \(key)")
                }
            }
        }
        if let array = value as? [Any], let items = schema["items"] as? [String: Any] {
            for (index, item) in array.enumerated() { found += problems(item, items, at: "\(path)[\(index)]") }
        }
        return found
    }

    static func isType(_ value: Any, _ kind: String) -> Bool {
        switch kind {
        case "null": return value is NSNull
        case "object": return value is [String: Any]
        case "array": return value is [Any]
        case "string": return value is String
        // Foundation on Linux reads JSON booleans as __NSCFBoolean, numbers as NSNumber.
        case "boolean": return "\(type(of: value))" == "__NSCFBoolean" || type(of: value) == Bool.self
        case "integer":
            guard let number = value as? NSNumber, !isType(value, "boolean") else { return false }
            return number.doubleValue.rounded() == number.doubleValue
        case "number": return value is NSNumber && !isType(value, "boolean")
        default: return false
        }
    }

    static func describe(_ value: Any) -> String {
        value is NSNull ? "null" : "\(Swift.type(of: value)) \(value)"
    }
}
