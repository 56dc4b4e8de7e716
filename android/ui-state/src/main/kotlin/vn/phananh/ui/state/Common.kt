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

/** A photo or video file on the device (absolute path), or a server one ([remote]). */
data class PhotoRef(
    val path: String,
    val kind: MediaKind = MediaKind.PHOTO,
    /** What the photo shows, when known (for TalkBack / VoiceOver). */
    val caption: String? = null,
    /** A server file: the core's media cache gives its local copy (see `MediaResolver`). */
    val remote: RemoteMedia? = null,
)

/** A report's file on the server, as the core names it. */
data class RemoteMedia(
    val id: String,
    val url: String,
    val mime: String,
    val sizeBytes: Long,
    val sha256: String,
    val video: Boolean,
    /** Media of my own reports and the answers to them: kept on the phone for good. */
    val keep: Boolean,
    /**
     * A video's poster frame (a small JPEG the app sent with the report), as a file of its own:
     * what the video's thumbnail shows. `null` for photos and for videos the server has none for.
     */
    val poster: RemoteMedia? = null,
) {
    /** What a thumbnail of this file shows: the file itself, or for a video its poster. */
    val thumbnail: RemoteMedia get() = poster ?: this
}

/** Where a server file is on the phone, or why it cannot be shown. */
sealed interface MediaResolution {
    data class File(val path: String) : MediaResolution
    data class Unavailable(val why: MediaUnavailable) : MediaResolution
}

enum class MediaUnavailable {
    /** Not on the phone yet and no network. */
    OFFLINE,
    /** The server's file did not match what the report names (or is not an image). */
    DAMAGED,
    /** Anything else (server error, storage full). */
    FAILED,
}

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
