package vn.phananh.presenter

import kotlin.math.roundToInt
import vn.phananh.core.ClosureVerdict
import vn.phananh.core.OutboxItem
import vn.phananh.core.OutboxKind
import vn.phananh.core.Report
import vn.phananh.core.ReportStatus
import vn.phananh.core.VerificationReason
import vn.phananh.ui.state.ClosureAnswerInfo
import vn.phananh.ui.state.ClosureState
import vn.phananh.ui.state.NotVerifiedReason

// Verified closure (issue 13): the core's `Verification` as the detail screen shows it.

fun VerificationReason.toUi(): NotVerifiedReason = when (this) {
    VerificationReason.NO_PHOTO -> NotVerifiedReason.NO_PHOTO
    VerificationReason.NO_POSITION_IN_PHOTO -> NotVerifiedReason.NO_POSITION_IN_PHOTO
    VerificationReason.NO_CAPTURE_TIME -> NotVerifiedReason.NO_CAPTURE_TIME
    VerificationReason.TOO_FAR -> NotVerifiedReason.TOO_FAR
    VerificationReason.TAKEN_BEFORE_REPORT -> NotVerifiedReason.TAKEN_BEFORE_REPORT
    VerificationReason.OTHER -> NotVerifiedReason.OTHER
}

/** The answer as queued in the outbox (not on the server yet); `null` for another kind of item. */
fun OutboxItem.toPendingAnswer(): ClosureAnswerInfo? = (kind as? OutboxKind.Closure)?.let {
    ClosureAnswerInfo(it.verdict == ClosureVerdict.CONFIRMED, it.text, createdAt.toEpochMilli(), pending = true)
}

/**
 * The closure part of the detail screen; `null` until the case was resolved. [queued] is an
 * answer this screen put in the outbox and the server has not confirmed yet. The answer buttons
 * are offered while the case is resolved, within `answer_until` and unanswered: the core checks
 * the same and refuses otherwise, so a stale screen gets its words, not a silent failure.
 */
fun Report.toClosure(queued: ClosureAnswerInfo?, now: Long = System.currentTimeMillis()): ClosureState? {
    val v = verification ?: return null
    val answer = v.myAnswer?.let { ClosureAnswerInfo(it.verdict == ClosureVerdict.CONFIRMED, it.text, it.at.toEpochMilli()) } ?: queued
    val after = v.photoId?.let { id -> timeline.flatMap { it.media }.firstOrNull { it.id == id } }
    val until = v.answerUntil.toEpochMilli()
    return ClosureState(
        verified = v.verified,
        distanceM = v.distanceM?.roundToInt(),
        radiusM = v.radiusM.toInt(),
        reason = if (v.verified) null else (v.reason?.toUi() ?: NotVerifiedReason.OTHER),
        before = media.firstOrNull()?.toPhoto(keep = true),
        after = after?.toPhoto(keep = true),
        answerUntil = until,
        myAnswer = answer,
        canAnswer = answer == null && status == ReportStatus.RESOLVED && now <= until,
    )
}
