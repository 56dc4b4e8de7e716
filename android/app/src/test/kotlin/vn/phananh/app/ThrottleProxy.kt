package vn.phananh.app

import java.io.InputStream
import java.io.OutputStream
import java.net.InetAddress
import java.net.InetSocketAddress
import java.net.ServerSocket
import java.net.Socket
import java.net.URI
import java.util.Collections
import java.util.concurrent.atomic.AtomicLong
import kotlin.concurrent.thread

/**
 * A TCP relay on 127.0.0.1 in front of the stub: the app's uploads go through it, slowed to
 * [bytesPerSecond] while [slow] is set, so a test can act while an upload is under way; [cut]
 * drops every open connection (what a killed process leaves behind).
 */
class ThrottleProxy(target: String, private val bytesPerSecond: Long) : AutoCloseable {
    private val upstream = URI.create(target)
    private val server = ServerSocket(0, 50, InetAddress.getLoopbackAddress())
    private val open = Collections.synchronizedSet(mutableSetOf<Socket>())
    @Volatile var slow = false
    /** Bytes the app has sent towards the stub. */
    val sent = AtomicLong()
    val baseUrl = "http://127.0.0.1:${server.localPort}/"

    init {
        thread(isDaemon = true, name = "proxy-accept") {
            while (!server.isClosed) {
                val client = try { server.accept() } catch (_: Exception) { break }
                val up = Socket()
                try {
                    up.connect(InetSocketAddress(upstream.host, upstream.port), 5000)
                } catch (_: Exception) {
                    client.close(); continue
                }
                open += client; open += up
                thread(isDaemon = true) { pump(client.getInputStream(), up.getOutputStream(), throttled = true, client, up) }
                thread(isDaemon = true) { pump(up.getInputStream(), client.getOutputStream(), throttled = false, client, up) }
            }
        }
    }

    private fun pump(input: InputStream, output: OutputStream, throttled: Boolean, a: Socket, b: Socket) {
        val chunk = 4096
        val buf = ByteArray(chunk)
        try {
            while (true) {
                val n = input.read(buf)
                if (n < 0) break
                if (throttled) {
                    sent.addAndGet(n.toLong())
                    if (slow) Thread.sleep(n * 1000L / bytesPerSecond)
                }
                output.write(buf, 0, n)
                output.flush()
            }
        } catch (_: Exception) {
        } finally {
            runCatching { a.close() }; runCatching { b.close() }
            open -= a; open -= b
        }
    }

    fun cut() {
        synchronized(open) { open.toList() }.forEach { runCatching { it.close() } }
    }

    override fun close() {
        server.close()
        cut()
    }
}
