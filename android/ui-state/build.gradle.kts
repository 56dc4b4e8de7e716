// Same sources as pom.xml (Maven, used in CI); plain Kotlin/JVM, no Android.
plugins {
    alias(libs.plugins.kotlin.jvm)
}

kotlin { jvmToolchain(17) }

dependencies {
    testImplementation(kotlin("test-junit5"))
}

tasks.test { useJUnitPlatform() }
