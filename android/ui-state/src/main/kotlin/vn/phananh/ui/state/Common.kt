package vn.phananh.ui.state

/** Languages the app is translated into; Vietnamese first. */
enum class AppLanguage(val tag: String) {
    VI("vi"),
    EN("en"),
}

/**
 * Text that comes from the province's configuration (category names, rating labels, tenant
 * name) rather than from the app's string resources, so it carries both languages and the
 * screen picks one.
 */
data class LocalizedText(val vi: String, val en: String) {
    /** The text in [language]; falls back to Vietnamese when the English text is missing. */
    fun get(language: AppLanguage): String = when (language) {
        AppLanguage.VI -> vi
        AppLanguage.EN -> en.ifBlank { vi }
    }

    companion object {
        /** Text that is the same in every language (a proper name). */
        fun same(text: String) = LocalizedText(text, text)
    }
}

/** A photo or video file on the device (absolute path) or a downloaded copy of a server one. */
data class PhotoRef(
    val path: String,
    val kind: MediaKind = MediaKind.PHOTO,
    /** What the photo shows, when known (for TalkBack / VoiceOver). */
    val caption: String? = null,
)

enum class MediaKind { PHOTO, VIDEO }

/** A commune or ward (post-2025 two-level administration), as named by the core's boundary lookup. */
data class WardInfo(
    /** National administrative code, e.g. "18073". */
    val code: String,
    /** Short name, e.g. "Thành Sen". */
    val name: String,
    /** Full name, e.g. "Phường Thành Sen". */
    val fullName: String,
)

/**
 * Times are epoch milliseconds (UTC); the screens format them in the device's time zone and
 * language. Kept as a plain Long so this module needs nothing beyond the Kotlin standard library.
 */
typealias EpochMillis = Long
