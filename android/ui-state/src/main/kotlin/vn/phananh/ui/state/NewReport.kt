package vn.phananh.ui.state

/** One tile of the category grid, from the province's configuration. */
data class CategoryOption(
    /** Stable code (Open311 `service_code`), e.g. "giao_thong". Screens pick an icon by it. */
    val code: String,
    val name: LocalizedText,
    /** Handling deadline the province set for this category, in hours (null: none set). */
    val deadlineHours: Int? = null,
)

/** A photo or video attached to the draft. */
data class AttachmentItem(
    val id: String,
    val kind: MediaKind,
    /** Absolute path of the copy in app storage (for the thumbnail). */
    val path: String,
    /** File name the user picked, for display. */
    val displayName: String,
    val sizeBytes: Long,
    /** Videos only. */
    val durationSeconds: Int? = null,
    val capturedAt: EpochMillis? = null,
    /** The photo carries its own GPS position (offered as a location candidate). */
    val hasExifLocation: Boolean = false,
    /** Being copied, compressed or transcoded. */
    val processing: Boolean = false,
    val error: UiError? = null,
)

enum class LocationSourceKind { DEVICE_GPS, NETWORK, PHOTO_EXIF, MANUAL }

/** Where we are in getting a position. */
enum class LocationStatus { ACQUIRING, FIXED, UNAVAILABLE, PERMISSION_DENIED }

/** A reason to double-check the location before sending (computed by the core). */
sealed interface LocationWarning {
    /** The point is outside the province; the report may go to the wrong authority. */
    data object OutsideProvince : LocationWarning
    /** The point is in the province but in no known commune/ward. */
    data object NoWard : LocationWarning
    data class PoorAccuracy(val accuracyMeters: Double) : LocationWarning
    data class StaleFix(val ageSeconds: Long) : LocationWarning
    /** The photo was taken this far from where the report is sent from. */
    data class PhotoFar(val distanceMeters: Double) : LocationWarning
    /** The photo was taken this many days ago. */
    data class PhotoOld(val days: Int) : LocationWarning
}

/** A position the user may choose (device fix, a photo's EXIF position, a pin they placed). */
data class LocationCandidate(
    val id: String,
    val source: LocationSourceKind,
    val lat: Double,
    val lon: Double,
    val accuracyMeters: Double? = null,
    val time: EpochMillis? = null,
    val ward: WardInfo? = null,
)

data class LocationState(
    val status: LocationStatus = LocationStatus.ACQUIRING,
    /** The chosen position; null until one is known. */
    val chosen: LocationCandidate? = null,
    /** Other positions on offer (e.g. the photo's own GPS). */
    val alternatives: List<LocationCandidate> = emptyList(),
    val provinceName: String? = null,
    val warnings: List<LocationWarning> = emptyList(),
)

data class NewReportState(
    val draftId: String? = null,
    val categories: List<CategoryOption> = emptyList(),
    val selectedCategory: String? = null,
    val description: String = "",
    val descriptionMinChars: Int = 10,
    val descriptionMaxChars: Int = 2000,
    val anonymous: Boolean = false,
    val attachments: List<AttachmentItem> = emptyList(),
    val minAttachments: Int = 0,
    val maxPhotos: Int = 6,
    val maxVideos: Int = 1,
    val maxVideoSeconds: Int = 60,
    val location: LocationState = LocationState(),
    /** Shown in place next to each field. */
    val fieldErrors: List<FieldMessage> = emptyList(),
    /** Last autosave, to reassure the user nothing typed is lost. */
    val savedAt: EpochMillis? = null,
    val submitting: Boolean = false,
    val error: UiError? = null,
    /** The report is in the outbox: the screen closes (delivery continues in the background). */
    val submitted: Boolean = false,
    /** Open reports like this one nearby ("me too", issue 13). */
    val meToo: MeTooState = MeTooState(),
) {
    val photoCount: Int get() = attachments.count { it.kind == MediaKind.PHOTO }
    val videoCount: Int get() = attachments.count { it.kind == MediaKind.VIDEO }
    val canAddPhoto: Boolean get() = photoCount < maxPhotos
    val canAddVideo: Boolean get() = videoCount < maxVideos
}

/** The pin-adjust screen: the user moves the map under a fixed centre pin. */
data class LocationPickerState(
    val lat: Double,
    val lon: Double,
    /** Metres per screen dp at the current zoom, so drags move the point by the right amount. */
    val metersPerDp: Double = 1.0,
    val ward: WardInfo? = null,
    val warnings: List<LocationWarning> = emptyList(),
    /** The device's own fix, drawn as a dot for reference. */
    val deviceFix: LocationCandidate? = null,
    /** The user confirmed this position: the screen closes and hands it back. */
    val confirmed: Boolean = false,
)
