package vn.phananh.ui.desktop

import java.io.File
import java.util.Locale
import javax.xml.parsers.DocumentBuilderFactory
import org.w3c.dom.Element
import vn.phananh.ui.Str
import vn.phananh.ui.Strings
import vn.phananh.ui.state.AppLanguage

/**
 * The desktop stand-in for Android's resource lookup: reads the same `strings.xml` files the app
 * ships, so the rendered screens show exactly the texts the phone shows.
 */
class XmlStrings private constructor(
    override val language: AppLanguage,
    private val texts: Map<String, String>,
) : Strings {
    override val locale: Locale = Locale.forLanguageTag(language.tag)

    override fun raw(key: Str): String = texts[key.name] ?: error("missing string '${key.name}' for ${language.tag}")

    val keys: Set<String> get() = texts.keys

    companion object {
        /** `res/values` holds Vietnamese (the default), `res/values-en` English. */
        fun load(resDir: File, language: AppLanguage): XmlStrings {
            val dir = if (language == AppLanguage.VI) "values" else "values-${language.tag}"
            return XmlStrings(language, parse(File(resDir, "$dir/strings.xml")))
        }

        fun parse(file: File): Map<String, String> {
            val doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file)
            val nodes = doc.documentElement.getElementsByTagName("string")
            val out = LinkedHashMap<String, String>()
            for (i in 0 until nodes.length) {
                val e = nodes.item(i) as Element
                val name = e.getAttribute("name")
                require(out.put(name, unescape(e.textContent)) == null) { "duplicate string '$name' in $file" }
            }
            return out
        }

        /** Android's escapes inside string resources: \' \" \n \t \\ and \@ \?. */
        fun unescape(s: String): String {
            val b = StringBuilder(s.length)
            var i = 0
            while (i < s.length) {
                val c = s[i]
                if (c == '\\' && i + 1 < s.length) {
                    when (val n = s[i + 1]) {
                        'n' -> b.append('\n')
                        't' -> b.append('\t')
                        else -> b.append(n)
                    }
                    i += 2
                } else {
                    b.append(c); i++
                }
            }
            return b.toString()
        }
    }
}
