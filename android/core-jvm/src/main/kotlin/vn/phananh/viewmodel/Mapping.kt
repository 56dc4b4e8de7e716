package vn.phananh.viewmodel

import java.time.Instant
import vn.phananh.core.Attachment
import vn.phananh.core.Category
import vn.phananh.core.FieldProblem
import vn.phananh.core.LocalState
import vn.phananh.core.LocationFix
import vn.phananh.core.LocationSource
import vn.phananh.core.MediaKind
import vn.phananh.core.PhanAnhException
import vn.phananh.core.RatingLevel
import vn.phananh.core.StorageProblem
import vn.phananh.core.TenantConfig
import vn.phananh.core.ValidationReason
import vn.phananh.core.WardRef
import vn.phananh.ui.state.AttachmentItem
import vn.phananh.ui.state.CategoryOption
import vn.phananh.ui.state.DeliveryState
import vn.phananh.ui.state.FieldMessage
import vn.phananh.ui.state.LocalizedText
import vn.phananh.ui.state.LocationCandidate
import vn.phananh.ui.state.LocationSourceKind
import vn.phananh.ui.state.RatingLevelOption
import vn.phananh.ui.state.UiError
import vn.phananh.ui.state.ValidationProblem
import vn.phananh.ui.state.WardInfo
import vn.phananh.ui.state.MediaKind as UiMediaKind
import vn.phananh.ui.state.StorageProblem as UiStorageProblem

// Binding types -> UI state types. Pure renaming; decisions stay in the core.

fun Instant.millis(): Long = toEpochMilli()

/** The core's public error as the screens show it; anything else is an internal error. */
fun Throwable.toUiError(): UiError = when (this) {
    is PhanAnhException.Offline -> UiError.Offline
    is PhanAnhException.Validation -> UiError.Validation(errors.map { it.toFieldMessage() })
    is PhanAnhException.NotFound -> UiError.NotFound(what)
    is PhanAnhException.Unauthorized -> UiError.Unauthorized
    is PhanAnhException.Forbidden -> UiError.Forbidden
    is PhanAnhException.Storage -> UiError.Storage(
        when (problem) {
            StorageProblem.FULL -> UiStorageProblem.FULL
            StorageProblem.DAMAGED -> UiStorageProblem.DAMAGED
            StorageProblem.IO -> UiStorageProblem.IO
        },
    )
    is PhanAnhException.Media -> UiError.Media(reason)
    is PhanAnhException.InvalidState -> UiError.InvalidState(detail)
    is PhanAnhException.Server -> UiError.Server(status.toInt())
    is PhanAnhException.Cancelled -> UiError.Cancelled
    else -> UiError.Internal
}

fun FieldProblem.toFieldMessage() = FieldMessage(field, reason.toProblem())

fun ValidationReason.toProblem(): ValidationProblem = when (this) {
    is ValidationReason.Required -> ValidationProblem.Required
    is ValidationReason.TooShort -> ValidationProblem.TooShort(min.toInt())
    is ValidationReason.TooLong -> ValidationProblem.TooLong(max.toInt())
    is ValidationReason.UnknownCategory -> ValidationProblem.UnknownCategory
    is ValidationReason.TooMany -> ValidationProblem.TooMany(max.toInt())
    is ValidationReason.TooFew -> ValidationProblem.TooFew(min.toInt())
    is ValidationReason.TooLarge -> ValidationProblem.TooLarge(maxBytes.toLong())
    is ValidationReason.OutOfRange -> ValidationProblem.OutOfRange
    is ValidationReason.Invalid -> ValidationProblem.Invalid(detail)
}

fun Category.toOption() = CategoryOption(code, LocalizedText(nameVi, nameEn))

fun RatingLevel.toOption() = RatingLevelOption(value.toInt(), LocalizedText(labelVi, labelEn), mayReopen)

fun TenantConfig.categoryName(code: String?): LocalizedText =
    categories.firstOrNull { it.code == code }?.let { LocalizedText(it.nameVi, it.nameEn) }
        ?: LocalizedText.same(code ?: "")

fun MediaKind.toUi() = when (this) {
    MediaKind.PHOTO -> UiMediaKind.PHOTO
    MediaKind.VIDEO -> UiMediaKind.VIDEO
}

fun Attachment.toItem() = AttachmentItem(
    id = id,
    kind = kind.toUi(),
    path = path,
    displayName = originalName,
    sizeBytes = sizeBytes.toLong(),
    capturedAt = capturedAt?.millis(),
    hasExifLocation = exifLocation != null,
)

fun WardRef.toUi() = WardInfo(code, name, fullName)

fun LocationSource.toUi() = when (this) {
    LocationSource.DEVICE_GPS -> LocationSourceKind.DEVICE_GPS
    LocationSource.NETWORK -> LocationSourceKind.NETWORK
    LocationSource.PHOTO_EXIF -> LocationSourceKind.PHOTO_EXIF
    LocationSource.MANUAL -> LocationSourceKind.MANUAL
}

fun LocationFix.toCandidate(id: String, ward: WardRef?) =
    LocationCandidate(id, source.toUi(), lat, lon, accuracyM, time.millis(), ward?.toUi())

/** `Failed` carries the core's reason text; public errors only come with calls that throw. */
fun LocalState.toDelivery(): DeliveryState = when (this) {
    is LocalState.Draft -> DeliveryState.Draft
    is LocalState.Queued -> DeliveryState.Queued
    is LocalState.Uploading -> DeliveryState.Uploading
    is LocalState.Submitted -> DeliveryState.Submitted
    is LocalState.Failed -> DeliveryState.Failed(null, reason, retryable)
}
