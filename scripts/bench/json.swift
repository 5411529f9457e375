// scripts/bench/json's program: metricsd's JSON parser and writer against Foundation's, on the lines metricsd
// reads and writes most. Compiled together with Sources/JSONRPC by scripts/bench/json (one module, -O).
import Foundation
import JSON

func measure(_ iterations: Int, _ body: () -> Void) -> Double {
    for _ in 0..<iterations / 10 { body() }  // warm-up
    var best = Double.infinity
    for _ in 0..<5 {
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<iterations { body() }
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / Double(iterations))
    }
    return best
}

struct LatestRequest: Codable {
    struct Params: Codable { var postIds: [String] }
    var jsonrpc: String
    var id: Int
    var method: String
    var params: Params
}

let request = Array(#"{"jsonrpc":"2.0","id":17,"method":"latestMetrics","params":{"postIds":["post-0500"]}}"#.utf8)
var posts: [String] = []
for index in 0..<500 {
    posts.append(#"{"id":"p\#(index)","accountId":"ig1","externalPostId":"1790000000000\#(index)","postedAt":"2026-11-20T10:00:00.000Z","mediaProductType":"REELS"}"#)
}
let bulk = Array((#"{"jsonrpc":"2.0","id":1,"method":"upsertPosts","params":{"posts":["# + posts.joined(separator: ",") + "]}}").utf8)
let requestData = Data(request)
let bulkData = Data(bulk)

var sink = 0
func row(_ name: String, _ ours: Double, _ foundation: Double, _ decoder: Double? = nil) {
    var line = name.padding(toLength: 34, withPad: " ", startingAt: 0)
    line += String(format: "%10.2f µs %10.2f µs  %5.2fx", ours / 1000, foundation / 1000, foundation / ours)
    if let decoder { line += String(format: " %10.2f µs  %5.2fx", decoder / 1000, decoder / ours) }
    print(line)
}

print("what".padding(toLength: 34, withPad: " ", startingAt: 0) + "   JSONRPC  JSONSerialization  ratio    JSONDecoder  ratio")
row("parse latestMetrics request", measure(200_000) {
    if case .object(let o) = try! JSONParser.parse(request) { sink &+= o.count }
}, measure(200_000) {
    sink &+= (try! JSONSerialization.jsonObject(with: requestData) as! [String: Any]).count
}, measure(200_000) {
    sink &+= try! JSONDecoder().decode(LatestRequest.self, from: requestData).id
})
row("parse upsertPosts, 500 posts", measure(300) {
    if case .object(let o) = try! JSONParser.parse(bulk) { sink &+= o.count }
}, measure(300) {
    sink &+= (try! JSONSerialization.jsonObject(with: bulkData) as! [String: Any]).count
})

let reply: JSON = [
    "jsonrpc": "2.0", "id": 17,
    "result": ["metrics": [["postId": "post-0500", "platform": "instagram", "capturedAt": "2026-11-24T19:04:00.123Z",
                             "impressions": nil, "views": 1234, "reach": 987, "likes": 55, "comments": 4, "shares": 3, "saves": 2]],
               "nextCursor": nil],
]
let replyObject: [String: Any] = [
    "jsonrpc": "2.0", "id": 17,
    "result": ["metrics": [["postId": "post-0500", "platform": "instagram", "capturedAt": "2026-11-24T19:04:00.123Z",
                             "impressions": NSNull(), "views": 1234, "reach": 987, "likes": 55, "comments": 4, "shares": 3, "saves": 2]],
               "nextCursor": NSNull()] as [String: Any],
]
row("write latestMetrics reply", measure(200_000) {
    sink &+= JSONWriter.serialize(reply).count
}, measure(200_000) {
    sink &+= try! JSONSerialization.data(withJSONObject: replyObject).count
})
print("(best of 5 runs; ratio = Foundation's time / JSONRPC's; sink \(sink % 10))")
