package vn.phananh.app.core

import java.time.Instant
import vn.phananh.core.PhanAnhClient
import vn.phananh.core.ReportStatus

/**
 * The calls the app shell itself makes into the core (the screens go through the view-models of
 * android/core-jvm instead). Kept in one file so that following the generated API is one edit.
 */
class CoreGateway(val client: PhanAnhClient) {

    /** Result of one bounded background run. */
    data class PendingRun(val pending: Int, val hitDeadline: Boolean, val changes: List<StatusChange>)

    data class StatusChange(val reportId: String, val categoryCode: String, val status: ReportStatus)

    /**
     * Drains the outbox until [deadline] (the core stops cleanly when it comes; every step is
     * restartable), then pulls status changes of my reports.
     */
    suspend fun runPending(deadline: Instant): PendingRun {
        val summary = client.runPending(deadline)
        val changed = client.syncMyReports()
        val changes = changed.mapNotNull { id -> client.cachedReport(id)?.let { StatusChange(it.id, it.category, it.status) } }
        return PendingRun(summary.pending.toInt(), summary.hitDeadline, changes)
    }

    fun setConnectivity(online: Boolean, metered: Boolean) = client.setConnectivity(online, metered)

    suspend fun setVideoWifiOnly(enabled: Boolean) = client.setVideoWifiOnly(enabled)

    fun isSignedIn(): Boolean = client.isSignedIn()

    suspend fun signOut() = client.signOut()
}
