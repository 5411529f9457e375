import MetricsCore
import Testing

@Suite struct CSVCellTests {
    @Test func cellsAreQuotedOnlyWhenTheyMustBeWithTheirQuotesDoubled() {
        #expect(CSVCell.escape("plain-id") == "plain-id")
        #expect(CSVCell.escape("a,b") == "\"a,b\"")
        #expect(CSVCell.escape("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSVCell.escape("two\nlines") == "\"two\nlines\"")
        #expect(CSVCell.escape("cr\r") == "\"cr\r\"")
        #expect(CSVCell.line(["x,y", "2", ""]) == "\"x,y\",2,")
    }
}
