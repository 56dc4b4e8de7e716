package vn.phananh.ui

import androidx.compose.runtime.Composable
import androidx.compose.runtime.ReadOnlyComposable
import androidx.compose.ui.graphics.Color
import java.time.Instant
import java.time.format.DateTimeFormatter
import vn.phananh.ui.state.AppLanguage
import vn.phananh.ui.state.CaseStatus
import vn.phananh.ui.state.DeliveryFailure
import vn.phananh.ui.state.DeliveryState
import vn.phananh.ui.state.FieldMessage
import vn.phananh.ui.state.LocalizedText
import vn.phananh.ui.state.LocationSourceKind
import vn.phananh.ui.state.LocationWarning
import vn.phananh.ui.state.OutboxStep
import vn.phananh.ui.state.StorageProblem
import vn.phananh.ui.state.UiError
import vn.phananh.ui.state.ValidationProblem

// Turning state into words: one function per kind of value, all through the string resources.

@Composable
@ReadOnlyComposable
fun LocalizedText.text(): String = get(language())

@Composable
@ReadOnlyComposable
fun statusLabel(status: CaseStatus): String = str(
    when (status) {
        CaseStatus.RECEIVED -> Str.status_received
        CaseStatus.FORWARDED -> Str.status_forwarded
        CaseStatus.IN_PROGRESS -> Str.status_in_progress
        CaseStatus.RESOLVED -> Str.status_resolved
        CaseStatus.CLOSED -> Str.status_closed
        CaseStatus.REJECTED -> Str.status_rejected
        CaseStatus.DUPLICATE -> Str.status_duplicate
        CaseStatus.REOPENED -> Str.status_reopened
    },
)

/** Status colours; always shown with the label, never colour alone. */
fun statusColor(status: CaseStatus): Color = when (status) {
    CaseStatus.RECEIVED -> Color(0xFF1565C0)
    CaseStatus.FORWARDED -> Color(0xFF4527A0)
    CaseStatus.IN_PROGRESS -> Color(0xFF8A5300)
    CaseStatus.RESOLVED -> Color(0xFF1B6B3A)
    CaseStatus.CLOSED -> Color(0xFF4A4A4A)
    CaseStatus.REJECTED -> Color(0xFFB3261E)
    CaseStatus.DUPLICATE -> Color(0xFF5D5D5D)
    CaseStatus.REOPENED -> Color(0xFFB34700)
}

@Composable
@ReadOnlyComposable
fun deliveryLabel(delivery: DeliveryState): String = when (delivery) {
    DeliveryState.Draft -> str(Str.delivery_draft)
    DeliveryState.Queued -> str(Str.delivery_queued)
    DeliveryState.Uploading -> str(Str.delivery_uploading)
    DeliveryState.Submitted -> str(Str.delivery_submitted)
    is DeliveryState.Failed -> if (delivery.retryable) str(Str.delivery_failed_retrying) else str(Str.delivery_failed)
}

/** Why something sent stopped, from the core's typed code (its English detail is never shown). */
@Composable
@ReadOnlyComposable
fun failureText(reason: DeliveryFailure): String = str(
    when (reason) {
        DeliveryFailure.REJECTED -> Str.failure_rejected
        DeliveryFailure.FORBIDDEN -> Str.failure_forbidden
        DeliveryFailure.TOO_LARGE -> Str.failure_too_large
        DeliveryFailure.MEDIA -> Str.failure_media
        DeliveryFailure.NOT_FOUND -> Str.failure_not_found
        DeliveryFailure.CONFLICT -> Str.failure_conflict
        DeliveryFailure.INTERRUPTED -> Str.failure_interrupted
        DeliveryFailure.OTHER -> Str.failure_other
    },
)

@Composable
@ReadOnlyComposable
fun stepLabel(step: OutboxStep): String = str(
    when (step) {
        OutboxStep.WAITING_NETWORK -> Str.step_waiting_network
        OutboxStep.WAITING_WIFI -> Str.step_waiting_wifi
        OutboxStep.WAITING_RETRY -> Str.step_waiting_retry
        OutboxStep.PROCESSING_MEDIA -> Str.step_processing_media
        OutboxStep.UPLOADING_MEDIA -> Str.step_uploading_media
        OutboxStep.CREATING_REPORT -> Str.step_creating_report
        OutboxStep.DONE -> Str.step_done
        OutboxStep.STOPPED -> Str.step_stopped
    },
)

@Composable
@ReadOnlyComposable
fun errorText(error: UiError): String = when (error) {
    UiError.Offline -> str(Str.error_offline)
    is UiError.Validation -> str(Str.error_validation)
    is UiError.NotFound -> str(Str.error_not_found)
    UiError.Unauthorized -> str(Str.error_unauthorized)
    UiError.Forbidden -> str(Str.error_forbidden)
    is UiError.Storage -> when (error.problem) {
        StorageProblem.FULL -> str(Str.error_storage_full)
        StorageProblem.DAMAGED -> str(Str.error_storage_damaged)
        StorageProblem.IO -> str(Str.error_storage_io)
    }
    is UiError.Media -> str(Str.error_media, error.reason)
    is UiError.InvalidState -> str(Str.error_invalid_state)
    is UiError.Server -> str(Str.error_server, error.status)
    UiError.Cancelled -> str(Str.error_cancelled)
    UiError.Internal -> str(Str.error_internal)
}

@Composable
@ReadOnlyComposable
fun problemText(message: FieldMessage): String = when (val p = message.problem) {
    ValidationProblem.Required -> str(Str.problem_required)
    is ValidationProblem.TooShort -> str(Str.problem_too_short, p.min)
    is ValidationProblem.TooLong -> str(Str.problem_too_long, p.max)
    ValidationProblem.UnknownCategory -> str(Str.problem_unknown_category)
    is ValidationProblem.TooMany -> str(Str.problem_too_many, p.max)
    is ValidationProblem.TooFew -> str(Str.problem_too_few, p.min)
    is ValidationProblem.TooLarge -> str(Str.problem_too_large, megabytes(p.maxBytes))
    ValidationProblem.OutOfRange -> str(Str.problem_out_of_range)
    is ValidationProblem.Invalid -> str(Str.problem_invalid)
}

@Composable
@ReadOnlyComposable
fun warningText(warning: LocationWarning): String = when (warning) {
    LocationWarning.OutsideProvince -> str(Str.warning_outside_province)
    LocationWarning.NoWard -> str(Str.warning_no_ward)
    is LocationWarning.PoorAccuracy -> str(Str.warning_poor_accuracy, warning.accuracyMeters.toInt())
    is LocationWarning.StaleFix -> str(Str.warning_stale_fix, (warning.ageSeconds / 60).coerceAtLeast(1))
    is LocationWarning.PhotoFar -> str(Str.warning_photo_far, distance(warning.distanceMeters))
    is LocationWarning.PhotoOld -> str(Str.warning_photo_old, warning.days)
}

@Composable
@ReadOnlyComposable
fun sourceLabel(source: LocationSourceKind): String = str(
    when (source) {
        LocationSourceKind.DEVICE_GPS -> Str.source_gps
        LocationSourceKind.NETWORK -> Str.source_network
        LocationSourceKind.PHOTO_EXIF -> Str.source_photo
        LocationSourceKind.MANUAL -> Str.source_manual
    },
)

/** Date and time in the user's language: "14:05, 25/11/2026" or "25 Nov 2026, 14:05". */
@Composable
@ReadOnlyComposable
fun dateTime(epochMillis: Long): String {
    val strings = LocalStrings.current
    val pattern = if (strings.language == AppLanguage.VI) "HH:mm, dd/MM/yyyy" else "d MMM yyyy, HH:mm"
    return DateTimeFormatter.ofPattern(pattern, strings.locale)
        .format(Instant.ofEpochMilli(epochMillis).atZone(LocalTimeZone.current))
}

@Composable
@ReadOnlyComposable
fun timeOnly(epochMillis: Long): String =
    DateTimeFormatter.ofPattern("HH:mm").format(Instant.ofEpochMilli(epochMillis).atZone(LocalTimeZone.current))

/** "1,5 MB" in Vietnamese, "1.5 MB" in English. */
@Composable
@ReadOnlyComposable
fun megabytes(bytes: Long): String {
    val locale = LocalStrings.current.locale
    return if (bytes < 1_000_000) String.format(locale, "%d KB", (bytes + 999) / 1000)
    else String.format(locale, "%.1f MB", bytes / 1_000_000.0)
}

@Composable
@ReadOnlyComposable
fun distance(meters: Double): String {
    val locale = LocalStrings.current.locale
    return if (meters < 1000) String.format(locale, "%d m", meters.toInt())
    else String.format(locale, "%.1f km", meters / 1000)
}
