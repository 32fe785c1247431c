/// The OpenAPI 3.1 description of the API, served at `GET /openapi.json`. `OpenAPIConformanceTests` sends a request
/// for every documented operation and status it can provoke and checks each answer against this document, and
/// checks that every route the router has is documented.
enum OpenAPIDocument {
    static let json = #"""
        {
          "openapi": "3.1.0",
          "info": {
            "title": "Equal-weighted index tracker",
            "version": "1.0.0",
            "description": "The equal-weighted index of the 100 largest US stocks by market capitalization: performance, composition on a date, composition changes, build jobs and exports. Dates are YYYY-MM-DD (New York); returns are fractions (0.0123 is 1.23 %). Every error is {\"error\": {\"code\", \"message\"}}. POST endpoints need an API key (X-API-Key or Authorization: Bearer); every request counts against a per-key (or per-address) rate limit."
          },
          "servers": [{"url": "http://127.0.0.1:8080"}],
          "paths": {
            "/index-performance": {
              "get": {
                "operationId": "getIndexPerformance",
                "summary": "Levels, daily and cumulative returns over a range, with a summary",
                "parameters": [
                  {"$ref": "#/components/parameters/StartDate"},
                  {"$ref": "#/components/parameters/EndDate"},
                  {"$ref": "#/components/parameters/Index"},
                  {"name": "benchmark", "in": "query", "required": false, "description": "An index to compare with (a definition id): the summary's benchmark statistics.", "schema": {"type": "string", "pattern": "^[a-z][a-z0-9-]{0,31}$"}},
                  {"name": "risk_free_rate", "in": "query", "required": false, "description": "The annual risk-free rate for the Sharpe and Sortino ratios, a fraction from -1 to 1 (0.02 is 2 %).", "schema": {"type": "number", "default": 0, "minimum": -1, "maximum": 1}},
                  {"$ref": "#/components/parameters/IfNoneMatch"}
                ],
                "responses": {
                  "200": {"description": "The index sessions of the range", "headers": {"ETag": {"$ref": "#/components/headers/ETag"}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PerformanceResponse"}}}},
                  "304": {"description": "Not modified since the ETag in If-None-Match", "headers": {"ETag": {"$ref": "#/components/headers/ETag"}}},
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/index-composition": {
              "get": {
                "operationId": "getIndexComposition",
                "summary": "The constituents at the latest index session on or before a date",
                "parameters": [
                  {"name": "date", "in": "query", "required": false, "description": "The date asked about; today (New York) when absent.", "schema": {"type": "string", "format": "date"}},
                  {"$ref": "#/components/parameters/Index"},
                  {"$ref": "#/components/parameters/IfNoneMatch"}
                ],
                "responses": {
                  "200": {"description": "The composition as of the latest session on or before the date", "headers": {"ETag": {"$ref": "#/components/headers/ETag"}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CompositionResponse"}}}},
                  "304": {"description": "Not modified since the ETag in If-None-Match", "headers": {"ETag": {"$ref": "#/components/headers/ETag"}}},
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/composition-changes": {
              "get": {
                "operationId": "getCompositionChanges",
                "summary": "Sessions of a range at which constituents were added or removed",
                "parameters": [
                  {"$ref": "#/components/parameters/StartDate"},
                  {"$ref": "#/components/parameters/EndDate"},
                  {"$ref": "#/components/parameters/Index"},
                  {"$ref": "#/components/parameters/IfNoneMatch"}
                ],
                "responses": {
                  "200": {"description": "Sessions with a change only", "headers": {"ETag": {"$ref": "#/components/headers/ETag"}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ChangesResponse"}}}},
                  "304": {"description": "Not modified since the ETag in If-None-Match", "headers": {"ETag": {"$ref": "#/components/headers/ETag"}}},
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/corporate-actions": {
              "get": {
                "operationId": "getCorporateActions",
                "summary": "The stored corporate actions dated in a range, accepted and rejected, with the reason of each rejection",
                "parameters": [
                  {"$ref": "#/components/parameters/StartDate"},
                  {"$ref": "#/components/parameters/EndDate"},
                  {"name": "ticker", "in": "query", "required": false, "description": "Only this ticker's actions (exactly as stored).", "schema": {"type": "string", "minLength": 1}},
                  {"$ref": "#/components/parameters/IfNoneMatch"}
                ],
                "responses": {
                  "200": {"description": "The actions of the current batch of every day in the range, by date, ticker and the batch's order", "headers": {"ETag": {"$ref": "#/components/headers/ETag"}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ActionsResponse"}}}},
                  "304": {"description": "Not modified since the ETag in If-None-Match", "headers": {"ETag": {"$ref": "#/components/headers/ETag"}}},
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/build-index": {
              "post": {
                "operationId": "buildIndex",
                "summary": "Queue fetch and compute of a range (a replay); answers with a job",
                "security": [{"ApiKey": []}, {"Bearer": []}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BuildRequest"}}}},
                "responses": {
                  "202": {"description": "The job, queued", "headers": {"Location": {"description": "The job's URL", "schema": {"type": "string"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}},
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "413": {"$ref": "#/components/responses/TooLarge"},
                  "422": {"$ref": "#/components/responses/Unprocessable"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/jobs": {
              "get": {
                "operationId": "listJobs",
                "summary": "Jobs newest first (kept 30 days), a page at a time: pass next_cursor as cursor for the next page",
                "parameters": [
                  {"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}},
                  {"name": "cursor", "in": "query", "required": false, "schema": {"type": "string"}}
                ],
                "responses": {
                  "200": {"description": "A page of jobs", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/JobsResponse"}}}},
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/jobs/{id}": {
              "delete": {
                "operationId": "cancelJob",
                "summary": "Cancel a queued or running build job: no further session of it is fetched; sessions already stored stay",
                "security": [{"ApiKey": []}, {"Bearer": []}],
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {
                  "200": {"description": "The cancelled job", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "409": {"$ref": "#/components/responses/Conflict"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              },
              "get": {
                "operationId": "getJob",
                "summary": "A build job's status and progress",
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {
                  "200": {"description": "The job", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/indexes": {
              "get": {
                "operationId": "listIndexes",
                "summary": "The index definitions, built-in first, each with its first and last stored session",
                "responses": {
                  "200": {"description": "The definitions", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IndexesResponse"}}}},
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              },
              "post": {
                "operationId": "addIndex",
                "summary": "Add a definition; its history is built from stored prices and actions by the job named in the answer",
                "security": [{"ApiKey": []}, {"Bearer": []}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/DefinitionRequest"}}}},
                "responses": {
                  "201": {"description": "The stored definition, every default filled in, with its job", "headers": {"Location": {"description": "The definition's URL", "schema": {"type": "string"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IndexDefinition"}}}},
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "409": {"$ref": "#/components/responses/Conflict"},
                  "413": {"$ref": "#/components/responses/TooLarge"},
                  "422": {"$ref": "#/components/responses/InvalidDefinition"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/indexes/{id}": {
              "get": {
                "operationId": "getIndex",
                "summary": "One index definition with its first and last stored session",
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {
                  "200": {"description": "The definition", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IndexDefinition"}}}},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              },
              "delete": {
                "operationId": "removeIndex",
                "summary": "Remove an added definition and every stored result of it (not a built-in one)",
                "security": [{"ApiKey": []}, {"Bearer": []}],
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {
                  "204": {"description": "Removed"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "409": {"$ref": "#/components/responses/Conflict"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/export-data": {
              "post": {
                "operationId": "exportData",
                "summary": "Performance, compositions and changes of a range as an xlsx (default), csv or json file",
                "security": [{"ApiKey": []}, {"Bearer": []}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ExportRequest"}}}},
                "responses": {
                  "200": {
                    "description": "The file, with a Content-Disposition filename",
                    "headers": {"Content-Disposition": {"description": "attachment; filename=\"<index>_<start>_<end>.<format>\"", "schema": {"type": "string"}}},
                    "content": {
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "contentEncoding": "binary", "description": "Sheets Performance, Compositions, Changes, Summary"}},
                      "text/csv": {"schema": {"type": "string", "description": "One table: a section column (performance, composition, change, summary), then the union of the tables' columns"}},
                      "application/json": {"schema": {"$ref": "#/components/schemas/JSONExport"}}
                    }
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "413": {"$ref": "#/components/responses/TooLarge"},
                  "422": {"$ref": "#/components/responses/Unprocessable"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/openapi.json": {
              "get": {
                "operationId": "getOpenAPI",
                "summary": "This document",
                "responses": {
                  "200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}},
                  "429": {"$ref": "#/components/responses/TooManyRequests"}
                }
              }
            },
            "/health": {
              "get": {
                "operationId": "getHealth",
                "summary": "Liveness",
                "responses": {
                  "200": {"description": "The process is up", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}}
                }
              }
            },
            "/ready": {
              "get": {
                "operationId": "getReady",
                "summary": "Readiness: NATS, the topology and storage reachable",
                "responses": {
                  "200": {"description": "Ready", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Ready"}}}},
                  "503": {"description": "Not ready; checks says which dependency is missing", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Ready"}}}}
                }
              }
            },
            "/metrics": {
              "get": {
                "operationId": "getMetrics",
                "summary": "Prometheus text exposition",
                "responses": {
                  "200": {"description": "Metrics", "content": {"text/plain": {"schema": {"type": "string"}}}}
                }
              }
            }
          },
          "components": {
            "securitySchemes": {
              "ApiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
              "Bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT or API key", "description": "A JWT (RS256/ES256 from JWT_JWKS_FILE, HS256 from JWT_HS256_SECRET_FILE; exp, nbf, iss, aud checked; scopes in its space-separated scope claim), or an API key as a bearer token"}
            },
            "parameters": {
              "StartDate": {"name": "start_date", "in": "query", "required": true, "schema": {"type": "string", "format": "date"}},
              "EndDate": {"name": "end_date", "in": "query", "required": false, "description": "Today (New York) when absent; not before start_date.", "schema": {"type": "string", "format": "date"}},
              "Index": {"name": "index", "in": "query", "required": false, "description": "The index definition's id (GET /indexes lists them): ew100, the equal-weighted top 100 by market cap (price return, the default), ew100-tr (the same with total return), or an added one.", "schema": {"type": "string", "pattern": "^[a-z][a-z0-9-]{0,31}$", "default": "ew100"}},
              "IfNoneMatch": {"name": "If-None-Match", "in": "header", "required": false, "schema": {"type": "string"}}
            },
            "headers": {
              "ETag": {"description": "A weak entity tag of the answer", "schema": {"type": "string"}}
            },
            "responses": {
              "BadRequest": {"description": "A parameter or the body is invalid", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "Forbidden": {"description": "The credential is valid but lacks the scope the request needs (insufficient_scope)", "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "Unauthorized": {"description": "The credential is missing (POST, DELETE; every GET with API_READ_AUTH=true) or invalid", "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "NotFound": {"description": "Unknown index, job, route, or no data on or before the date", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "TooLarge": {"description": "The body is too large", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "Unprocessable": {"description": "The request is well formed but cannot be carried out (no session in the range)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "Conflict": {"description": "The index id is in use (index_exists), or the index is built in and cannot be removed (built_in_index)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "InvalidDefinition": {"description": "The definition is invalid (invalid_definition); field names the path of the field at fault", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "TooManyRequests": {"description": "Rate limited", "headers": {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "Unavailable": {"description": "Storage or NATS is not reachable (storage_unavailable, pipeline_unavailable); Retry-After says when to try again", "headers": {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            },
            "schemas": {
              "Error": {
                "type": "object", "required": ["error"], "additionalProperties": false,
                "properties": {"error": {"type": "object", "required": ["code", "message"], "additionalProperties": false, "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "field": {"type": "string", "description": "The path of the request field at fault (invalid_definition), e.g. universe.sectors[1]"}}}}
              },
              "PerformancePoint": {
                "type": "object", "required": ["date", "level", "daily_return", "cumulative_return"], "additionalProperties": false,
                "properties": {"date": {"type": "string", "format": "date"}, "level": {"type": "number"}, "daily_return": {"type": "number"}, "cumulative_return": {"type": "number", "description": "L(d) / L(first session in range) - 1"}}
              },
              "SessionReturn": {
                "type": "object", "required": ["date", "daily_return"], "additionalProperties": false,
                "properties": {"date": {"type": "string", "format": "date"}, "daily_return": {"type": "number"}}
              },
              "Summary": {
                "type": "object", "additionalProperties": false,
                "required": ["sessions", "start_date", "end_date", "total_return", "annualized_return", "annualized_volatility", "sharpe", "sortino", "max_drawdown", "turnover", "turnover_per_rebalance", "risk_free_rate", "best_session", "worst_session", "benchmark"],
                "properties": {
                  "sessions": {"type": "integer"},
                  "start_date": {"type": ["string", "null"], "format": "date"},
                  "end_date": {"type": ["string", "null"], "format": "date"},
                  "total_return": {"type": ["number", "null"]},
                  "annualized_return": {"type": ["number", "null"], "description": "(L(e) / L(s))^(252 / n) - 1 over the n returns after the first session"},
                  "annualized_volatility": {"type": ["number", "null"], "description": "Sample standard deviation of the daily returns inside the range, times sqrt(252)"},
                  "sharpe": {"type": ["number", "null"], "description": "(mean - risk_free_rate / 252) / sample standard deviation * sqrt(252)"},
                  "sortino": {"type": ["number", "null"], "description": "(mean - risk_free_rate / 252) / sqrt(mean of min(R - risk_free_rate / 252, 0)^2) * sqrt(252)"},
                  "max_drawdown": {"type": ["number", "null"], "description": "The deepest fall from a running peak, as a negative fraction"},
                  "turnover": {"type": ["number", "null"], "description": "The sum of the turnover of the rebalance sessions after the first session"},
                  "turnover_per_rebalance": {"type": ["number", "null"], "description": "turnover over the number of those rebalance sessions; null without one"},
                  "risk_free_rate": {"type": "number", "description": "The annual risk-free rate used"},
                  "best_session": {"oneOf": [{"$ref": "#/components/schemas/SessionReturn"}, {"type": "null"}]},
                  "worst_session": {"oneOf": [{"$ref": "#/components/schemas/SessionReturn"}, {"type": "null"}]},
                  "benchmark": {"oneOf": [{"$ref": "#/components/schemas/BenchmarkSummary"}, {"type": "null"}]}
                }
              },
              "BenchmarkSummary": {
                "type": "object", "additionalProperties": false,
                "required": ["index", "beta", "tracking_error", "information_ratio", "correlation"],
                "description": "Over the sessions after the first session of the range at which both indices have a return",
                "properties": {
                  "index": {"type": "string"},
                  "beta": {"type": ["number", "null"], "description": "Sample covariance over the benchmark's sample variance"},
                  "tracking_error": {"type": ["number", "null"], "description": "Sample standard deviation of the return differences, times sqrt(252)"},
                  "information_ratio": {"type": ["number", "null"], "description": "Mean return difference * 252 / tracking_error"},
                  "correlation": {"type": ["number", "null"], "description": "Pearson correlation of the daily returns"}
                }
              },
              "PerformanceResponse": {
                "type": "object", "required": ["performance", "summary"], "additionalProperties": false,
                "properties": {"performance": {"type": "array", "items": {"$ref": "#/components/schemas/PerformancePoint"}}, "summary": {"$ref": "#/components/schemas/Summary"}}
              },
              "Constituent": {
                "type": "object", "required": ["ticker", "name", "sector", "rank", "weight", "market_cap", "close"], "additionalProperties": false,
                "properties": {"ticker": {"type": "string"}, "name": {"type": ["string", "null"]}, "sector": {"type": ["string", "null"]}, "rank": {"type": "integer"}, "weight": {"type": "number"}, "market_cap": {"type": "number"}, "close": {"type": "number"}}
              },
              "CompositionResponse": {
                "type": "object", "required": ["date", "as_of", "constituents"], "additionalProperties": false,
                "properties": {"date": {"type": "string", "format": "date"}, "as_of": {"type": "string", "format": "date", "description": "The latest index session on or before date"}, "constituents": {"type": "array", "items": {"$ref": "#/components/schemas/Constituent"}}}
              },
              "ChangeEntry": {
                "type": "object", "required": ["ticker", "rank", "market_cap"], "additionalProperties": false,
                "properties": {"ticker": {"type": "string"}, "rank": {"type": ["integer", "null"]}, "market_cap": {"type": ["number", "null"]}}
              },
              "Change": {
                "type": "object", "required": ["date", "added", "removed", "turnover"], "additionalProperties": false,
                "properties": {"date": {"type": "string", "format": "date"}, "added": {"type": "array", "items": {"$ref": "#/components/schemas/ChangeEntry"}}, "removed": {"type": "array", "items": {"$ref": "#/components/schemas/ChangeEntry"}}, "turnover": {"type": ["number", "null"], "description": "0.5 * sum of |target - drifted weight| at this rebalance; null when not known (stored before turnover was computed)"}}
              },
              "ChangesResponse": {
                "type": "object", "required": ["changes"], "additionalProperties": false,
                "properties": {"changes": {"type": "array", "items": {"$ref": "#/components/schemas/Change"}}}
              },
              "ActionsResponse": {
                "type": "object", "required": ["actions"], "additionalProperties": false,
                "properties": {"actions": {"type": "array", "items": {"$ref": "#/components/schemas/CorporateAction"}}}
              },
              "CorporateAction": {
                "type": "object", "required": ["date", "ticker", "kind", "value", "rejection"], "additionalProperties": false,
                "properties": {
                  "date": {"type": "string", "format": "date", "description": "The ex-date"},
                  "ticker": {"type": "string"},
                  "kind": {"type": "string", "description": "split, cash_dividend or special_dividend; anything else as received (rejected with unknown_kind)"},
                  "value": {"type": ["number", "null"], "description": "The split ratio (shares after / before) or the amount per share; null when missing or not a finite number"},
                  "rejection": {"type": ["string", "null"], "enum": ["duplicate", "unknown_kind", "not_a_session", "bad_value", null], "description": "null when accepted"}
                }
              },
              "IndexesResponse": {
                "type": "object", "required": ["indexes"], "additionalProperties": false,
                "properties": {"indexes": {"type": "array", "items": {"$ref": "#/components/schemas/IndexDefinition"}}}
              },
              "Universe": {
                "type": "object", "required": ["sectors", "exchanges"], "additionalProperties": false,
                "properties": {"sectors": {"type": "array", "items": {"type": "string"}, "description": "Empty: any sector"}, "exchanges": {"type": "array", "items": {"type": "string"}, "description": "Empty: any exchange"}}
              },
              "DefinitionRequest": {
                "type": "object", "required": ["id"], "additionalProperties": false,
                "description": "DESIGN.md Definitions; absent fields take the defaults shown",
                "properties": {
                  "id": {"type": "string", "pattern": "^[a-z][a-z0-9-]{0,31}$"},
                  "name": {"type": "string", "default": ""},
                  "size": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 100},
                  "universe": {"$ref": "#/components/schemas/Universe"},
                  "weighting": {"type": "string", "enum": ["equal", "market_cap", "capped_market_cap"], "default": "equal"},
                  "cap": {"type": ["number", "null"], "exclusiveMinimum": 0, "maximum": 1, "description": "Required for capped_market_cap, refused otherwise"},
                  "rebalance": {"type": "string", "enum": ["daily", "weekly", "monthly", "quarterly"], "default": "daily"},
                  "buffer": {"type": "integer", "minimum": 0, "maximum": 10000, "default": 0},
                  "return": {"type": "string", "enum": ["price", "total"], "default": "price"},
                  "base_level": {"type": "number", "exclusiveMinimum": 0, "default": 1000}
                }
              },
              "IndexDefinition": {
                "type": "object", "additionalProperties": false,
                "required": ["id", "name", "size", "universe", "weighting", "cap", "rebalance", "buffer", "return", "base_level", "built_in", "first_session", "last_session", "sessions", "job"],
                "properties": {
                  "id": {"type": "string"},
                  "name": {"type": "string"},
                  "size": {"type": "integer"},
                  "universe": {"$ref": "#/components/schemas/Universe"},
                  "weighting": {"type": "string", "enum": ["equal", "market_cap", "capped_market_cap"]},
                  "cap": {"type": ["number", "null"]},
                  "rebalance": {"type": "string", "enum": ["daily", "weekly", "monthly", "quarterly"]},
                  "buffer": {"type": "integer"},
                  "return": {"type": "string", "enum": ["price", "total"]},
                  "base_level": {"type": "number"},
                  "built_in": {"type": "boolean"},
                  "first_session": {"type": ["string", "null"], "format": "date", "description": "The first stored index session"},
                  "last_session": {"type": ["string", "null"], "format": "date", "description": "The last stored index session"},
                  "sessions": {"type": "integer", "description": "Stored index sessions"},
                  "job": {"type": ["object", "null"], "required": ["id"], "additionalProperties": false, "description": "The job that builds an added definition's history (GET /jobs/{id}); null for a built-in one", "properties": {"id": {"type": "string"}, "status": {"type": "string", "enum": ["queued", "running", "succeeded", "failed"]}}}
                }
              },
              "BuildRequest": {
                "type": "object", "required": ["start_date"],
                "properties": {"start_date": {"type": "string", "format": "date"}, "end_date": {"type": "string", "format": "date"}, "refetch": {"type": "boolean", "default": false, "description": "Fetch stored sessions again from the provider instead of re-publishing them from storage"}, "index": {"type": "string", "pattern": "^[a-z][a-z0-9-]{0,31}$"}}
              },
              "JobsResponse": {
                "type": "object",
                "additionalProperties": false,
                "required": ["jobs", "next_cursor"],
                "properties": {
                  "jobs": {"type": "array", "items": {"$ref": "#/components/schemas/Job"}},
                  "next_cursor": {"type": ["string", "null"]}
                }
              },
              "Job": {
                "type": "object", "additionalProperties": false,
                "required": ["id", "index", "status", "start_date", "end_date", "replay_start_date", "replay_end_date", "refetch", "progress", "created_at", "updated_at", "error"],
                "properties": {
                  "id": {"type": "string"},
                  "index": {"type": "string"},
                  "status": {"type": "string", "enum": ["queued", "running", "succeeded", "failed", "cancelled"]},
                  "start_date": {"type": "string", "format": "date"},
                  "end_date": {"type": "string", "format": "date"},
                  "replay_start_date": {"type": "string", "format": "date", "description": "The range replayed: grown to meet the stored series so no gap is left"},
                  "replay_end_date": {"type": "string", "format": "date"},
                  "refetch": {"type": "boolean"},
                  "progress": {"type": "object", "required": ["sessions_total", "sessions_done", "fraction"], "additionalProperties": false, "properties": {"sessions_total": {"type": "integer"}, "sessions_done": {"type": "integer"}, "fraction": {"type": "number"}}},
                  "created_at": {"type": "string", "format": "date-time"},
                  "updated_at": {"type": "string", "format": "date-time"},
                  "error": {"type": ["string", "null"]}
                }
              },
              "ExportRequest": {
                "type": "object", "required": ["start_date"],
                "properties": {"start_date": {"type": "string", "format": "date"}, "end_date": {"type": "string", "format": "date"}, "format": {"type": "string", "enum": ["xlsx", "csv", "json"], "default": "xlsx"}, "index": {"type": "string", "pattern": "^[a-z][a-z0-9-]{0,31}$"}}
              },
              "JSONExport": {
                "type": "object", "required": ["index", "start_date", "end_date", "performance", "summary", "compositions", "changes"], "additionalProperties": false,
                "properties": {
                  "index": {"type": "string"},
                  "start_date": {"type": "string", "format": "date"},
                  "end_date": {"type": "string", "format": "date"},
                  "performance": {"type": "array", "items": {"$ref": "#/components/schemas/PerformancePoint"}},
                  "summary": {"$ref": "#/components/schemas/Summary"},
                  "compositions": {"type": "array", "items": {"type": "object", "required": ["date", "constituents"], "additionalProperties": false, "properties": {"date": {"type": "string", "format": "date"}, "constituents": {"type": "array", "items": {"$ref": "#/components/schemas/Constituent"}}}}},
                  "changes": {"type": "array", "items": {"$ref": "#/components/schemas/Change"}},
                  "definition": {"$ref": "#/components/schemas/IndexDefinition"}
                }
              },
              "Health": {
                "type": "object", "required": ["service", "status", "uptime_seconds"],
                "properties": {"service": {"type": "string"}, "status": {"type": "string"}, "uptime_seconds": {"type": "number"}}
              },
              "Ready": {
                "type": "object", "required": ["checks", "ready", "service"],
                "properties": {"checks": {"type": "object", "additionalProperties": {"type": "boolean"}}, "ready": {"type": "boolean"}, "service": {"type": "string"}}
              }
            }
          }
        }
        """#
}
