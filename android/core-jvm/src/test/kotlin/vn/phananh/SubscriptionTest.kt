package vn.phananh

import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import kotlin.test.assertEquals
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Test
import vn.phananh.core.DraftEdit
import vn.phananh.core.LocalState
import vn.phananh.core.OutboxListener
import vn.phananh.core.OutboxSnapshot
import vn.phananh.core.TaskHandle
import vn.phananh.data.RustCoreRepository
import vn.phananh.data.subscriptionFlow

/** Subscriptions replay, then stream, and stop when their handle is closed or their collector goes. */
class SubscriptionTest {
    private suspend fun queueOne(repo: RustCoreRepository) {
        val d = repo.createDraft()
        repo.updateDraft(
            d.id,
            listOf(DraftEdit.Category("giao_thong"), DraftEdit.Description("Biển báo giao thông bị đổ"), DraftEdit.Location(haTinhFix())),
        )
        repo.submitDraft(d.id)
    }

    @Test
    fun `replay first, then changes, nothing after close`() = runBlocking {
        RustCoreRepository.open(TestEnv.tempDir("sub-").path).use { repo ->
            // Offline: nothing is delivered, so the only changes are the ones this test makes.
            repo.setConnectivity(online = false, metered = false)
            queueOne(repo)
            val got = LinkedBlockingQueue<OutboxSnapshot>()
            val handle = repo.client().subscribeOutbox(object : OutboxListener {
                override fun onOutbox(snapshot: OutboxSnapshot) { got += snapshot }
            })
            val first = assertNotNull(got.poll(5, TimeUnit.SECONDS), "replayed at once")
            assertEquals(1, first.entries.size)
            assertEquals(false, first.online)

            queueOne(repo)
            val second = generateSequence { got.poll(5, TimeUnit.SECONDS) }.first { it.entries.size == 2 }
            assertTrue(second.entries.all { it.item.state == LocalState.Queued })

            handle.close()
            got.clear()
            queueOne(repo)
            repo.setConnectivity(online = true, metered = true)
            assertNull(got.poll(500, TimeUnit.MILLISECONDS), "no calls after close")
        }
    }

    @Test
    fun `a cancelled collector closes its subscription`() = runBlocking {
        val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
        RustCoreRepository.open(TestEnv.tempDir("sub-flow-").path).use { repo ->
            repo.setConnectivity(online = false, metered = false)
            val calls = java.util.concurrent.atomic.AtomicInteger()
            val handles = mutableListOf<TaskHandle>()
            val client = repo.client()
            val flow = subscriptionFlow<OutboxSnapshot> { emit ->
                client.subscribeOutbox(object : OutboxListener {
                    override fun onOutbox(snapshot: OutboxSnapshot) { calls.incrementAndGet(); emit(snapshot) }
                }).also { handles += it }
            }
            val seen = mutableListOf<Int>()
            val job = scope.launch { flow.collect { seen += it.entries.size } }
            withTimeout(5_000) { while (seen.isEmpty()) delay(10) }
            queueOne(repo)
            withTimeout(5_000) { while (seen.last() != 1) delay(10) }
            job.cancelAndJoin()
            val before = calls.get()
            queueOne(repo)
            queueOne(repo)
            delay(500)
            assertEquals(before, calls.get(), "the core stopped calling the listener")
            assertEquals(1, handles.size)
        }
        scope.cancel()
    }
}
