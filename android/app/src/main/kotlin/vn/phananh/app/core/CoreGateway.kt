package vn.phananh.app.core

import java.time.Instant
import vn.phananh.core.PhanAnhClient
import vn.phananh.core.ReportStatus

/**
 * The calls the app shell itself makes into the core (the screens go through the view-models of
 * android/core-jvm instead). Kept in one file so that aligning with the generated API is one edit.
 *
 * Names: `PhanAnhClient`, `ClientConfig`, `ReportStatus`, `LocationFix`, `PhanAnhException` are
 * exported by bindings/src as of this writing. `runPending`, `setConnectivity`,
 * `setVideoWifiOnly`, `syncMyReports`, the foreign-service setters and the `RunSummary` /
 * `ReportChange` records are written as DESIGN §7 and issue 7 name them; they were not yet
 * exported when this file was written (marked PENDING-BINDINGS).
 */
class CoreGateway(val client: PhanAnhClient) {

    /** Result of one bounded background run. */
    data class PendingRun(val remaining: Int, val changes: List<StatusChange>)

    data class StatusChange(val reportId: String, val categoryCode: String?, val status: ReportStatus)

    /**
     * Drains the outbox and pulls status changes until [deadline]; stops cleanly when it comes
     * (the core makes every step restartable).
     */
    suspend fun runPending(deadline: Instant): PendingRun {
        val summary = client.runPending(deadline) // PENDING-BINDINGS
        val changes = client.syncMyReports() // PENDING-BINDINGS: the reports whose status changed
        return PendingRun(
            remaining = summary.remaining.toInt(),
            changes = changes.map { StatusChange(it.reportId, it.category, it.status) },
        )
    }

    fun setConnectivity(online: Boolean, metered: Boolean) = client.setConnectivity(online, metered) // PENDING-BINDINGS

    fun setVideoWifiOnly(enabled: Boolean) = client.setVideoWifiOnly(enabled) // PENDING-BINDINGS

    /** The signed-in phone number, masked for display (091•••••78), or null. */
    fun maskedPhone(): String? = client.session()?.maskedPhone // PENDING-BINDINGS

    suspend fun logout() = client.logout() // PENDING-BINDINGS
}
