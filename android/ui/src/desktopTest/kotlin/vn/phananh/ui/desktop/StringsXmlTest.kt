package vn.phananh.ui.desktop

import java.io.File
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import vn.phananh.ui.Str

/** The Android resources are the one source of texts: both languages hold exactly the keys of [Str]. */
class StringsXmlTest {
    private val res = File(System.getProperty("phananh.res.dir") ?: "src/main/res")
    private val vi = XmlStrings.parse(File(res, "values/strings.xml"))
    private val en = XmlStrings.parse(File(res, "values-en/strings.xml"))
    private val keys = Str.entries.map { it.name }.toSet()

    @Test
    fun bothLanguagesHaveExactlyTheKeysOfStr() {
        assertEquals(emptySet(), keys - vi.keys, "missing in values/ (vi)")
        assertEquals(emptySet(), vi.keys - keys, "in values/ but not in Str")
        assertEquals(emptySet(), keys - en.keys, "missing in values-en/")
        assertEquals(emptySet(), en.keys - keys, "in values-en/ but not in Str")
    }

    @Test
    fun placeholdersAgreeBetweenLanguages() {
        val placeholder = Regex("%(\\d+)\\$([sd])")
        for (k in keys) {
            val a = placeholder.findAll(vi.getValue(k)).map { it.value }.toSortedSet()
            val b = placeholder.findAll(en.getValue(k)).map { it.value }.toSortedSet()
            assertEquals(a, b, "placeholders of '$k' differ between vi and en")
        }
    }

    @Test
    fun noUnpositionedPlaceholdersAndNoEmptyTexts() {
        for ((lang, m) in listOf("vi" to vi, "en" to en)) for ((k, v) in m) {
            assertTrue(v.isNotBlank(), "$lang '$k' is empty")
            // Android lint refuses several %s without positions; translations reorder arguments.
            assertTrue(!Regex("%[sd]").containsMatchIn(v), "$lang '$k' has an unpositioned placeholder: $v")
        }
    }

    @Test
    fun vietnameseIsReallyVietnamese() {
        // Guards against English pasted into values/: most Vietnamese texts carry diacritics.
        val withDiacritics = vi.values.count { s -> s.any { it.code > 0x7f } }
        assertTrue(withDiacritics > vi.size * 8 / 10, "only $withDiacritics of ${vi.size} vi texts have Vietnamese letters")
    }

    @Test
    fun androidEscapesAreUndone() {
        assertEquals("it's \"x\"\nnext", XmlStrings.unescape("it\\'s \\\"x\\\"\\nnext"))
    }
}
