package vn.phananh.presenter

import java.time.Instant
import vn.phananh.core.Attachment
import vn.phananh.core.FailureCode
import vn.phananh.core.failureIsRetryable
import vn.phananh.core.FeedItem
import vn.phananh.core.LocationWarning
import vn.phananh.ui.state.LocationWarning as UiLocationWarning
import vn.phananh.core.MediaRef
import vn.phananh.core.RemoteMediaKind
import vn.phananh.core.Report
import vn.phananh.core.ReportStatus
import vn.phananh.ui.state.CaseStatus
import vn.phananh.ui.state.PhotoRef
import vn.phananh.ui.state.ReportSummary
import vn.phananh.core.Category
import vn.phananh.core.FieldError
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
import vn.phananh.ui.state.DeliveryFailure
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

fun FieldError.toFieldMessage() = FieldMessage(field, reason.toProblem())

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

fun Category.toOption() = CategoryOption(code, LocalizedText(nameVi, nameEn), deadlineHours?.toInt())

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

/** `Failed` carries the core's typed failure code; the screens say it in the user's language. */
fun LocalState.toDelivery(): DeliveryState = when (this) {
    is LocalState.Draft -> DeliveryState.Draft
    is LocalState.Queued -> DeliveryState.Queued
    is LocalState.Uploading -> DeliveryState.Uploading
    is LocalState.Submitted -> DeliveryState.Submitted
    is LocalState.Failed -> DeliveryState.Failed(failure.code.toUi(), failureIsRetryable(failure.code))
}

fun FailureCode.toUi(): DeliveryFailure = when (this) {
    FailureCode.REJECTED -> DeliveryFailure.REJECTED
    FailureCode.FORBIDDEN -> DeliveryFailure.FORBIDDEN
    FailureCode.TOO_LARGE -> DeliveryFailure.TOO_LARGE
    FailureCode.MEDIA -> DeliveryFailure.MEDIA
    FailureCode.NOT_FOUND -> DeliveryFailure.NOT_FOUND
    FailureCode.CONFLICT -> DeliveryFailure.CONFLICT
    FailureCode.INTERRUPTED -> DeliveryFailure.INTERRUPTED
    FailureCode.OTHER -> DeliveryFailure.OTHER
}

fun LocationWarning.toUi(): UiLocationWarning = when (this) {
    is LocationWarning.PhotoFar -> UiLocationWarning.PhotoFar(distanceM)
    is LocationWarning.PhotoStale -> UiLocationWarning.PhotoOld(ageDays.toInt())
    is LocationWarning.StaleFix -> UiLocationWarning.StaleFix(ageS.toLong())
    is LocationWarning.PoorAccuracy -> UiLocationWarning.PoorAccuracy(accuracyM)
    is LocationWarning.OutsideProvince -> UiLocationWarning.OutsideProvince
}

fun ReportStatus.toUi(): CaseStatus = when (this) {
    ReportStatus.RECEIVED -> CaseStatus.RECEIVED
    ReportStatus.FORWARDED -> CaseStatus.FORWARDED
    ReportStatus.IN_PROGRESS -> CaseStatus.IN_PROGRESS
    ReportStatus.RESOLVED -> CaseStatus.RESOLVED
    ReportStatus.CLOSED -> CaseStatus.CLOSED
    ReportStatus.REJECTED -> CaseStatus.REJECTED
    ReportStatus.DUPLICATE -> CaseStatus.DUPLICATE
    ReportStatus.REOPENED -> CaseStatus.REOPENED
}

fun CaseStatus.toCore(): ReportStatus = ReportStatus.valueOf(name)

/** A server file for the screens; [keep]: one of my reports' (kept on the phone for good). */
fun MediaRef.toPhoto(keep: Boolean) = PhotoRef(
    url,
    if (kind == RemoteMediaKind.VIDEO) UiMediaKind.VIDEO else UiMediaKind.PHOTO,
    remote = vn.phananh.ui.state.RemoteMedia(id, url, mime, sizeBytes.toLong(), sha256, kind == RemoteMediaKind.VIDEO, keep, poster(keep)),
)

/** A video's poster frame as a photo of its own (fetched and checked by the media cache like one). */
private fun MediaRef.poster(keep: Boolean): vn.phananh.ui.state.RemoteMedia? {
    if (kind != RemoteMediaKind.VIDEO) return null
    val url = posterUrl ?: return null
    val sha = posterSha256 ?: return null
    val size = posterSizeBytes ?: return null
    return vn.phananh.ui.state.RemoteMedia("$id-poster", url, "image/jpeg", size.toLong(), sha, false, keep)
}

fun Report.toSummary(config: TenantConfig, now: Long = System.currentTimeMillis()) = ReportSummary(
    id = id,
    category = config.categoryName(category),
    description = description,
    ward = ward?.toUi(),
    status = status.toUi(),
    createdAt = createdAt.millis(),
    updatedAt = updatedAt.millis(),
    thumbnail = media.firstOrNull()?.toPhoto(keep = true),
    deadline = deadline?.millis(),
    overdue = deadline?.millis()?.let { it < now && !status.isFinished() } ?: false,
)

/** A feed row; [distanceMeters] from the device when its position is known. */
fun FeedItem.toSummary(config: TenantConfig, distanceMeters: Double? = null) = ReportSummary(
    id = id,
    category = config.categoryName(category),
    description = description,
    ward = ward?.toUi(),
    status = status.toUi(),
    createdAt = createdAt.millis(),
    updatedAt = updatedAt.millis(),
    thumbnail = media.firstOrNull()?.toPhoto(keep = false),
    distanceMeters = distanceMeters,
    categoryDeadlineHours = config.categories.firstOrNull { it.code == category }?.deadlineHours?.toInt(),
)

/** The case needs nothing more from the unit. */
fun ReportStatus.isFinished() = this in setOf(ReportStatus.RESOLVED, ReportStatus.CLOSED, ReportStatus.REJECTED, ReportStatus.DUPLICATE)
