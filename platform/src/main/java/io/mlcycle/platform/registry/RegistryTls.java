package io.mlcycle.platform.registry;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS for the schema registry client, with the Confluent client's property names: a trust store for a registry whose
 * certificate the JVM does not trust ({@code schema.registry.ssl.truststore.location}, {@code .password},
 * {@code .type}), and optionally a key store for mutual TLS ({@code schema.registry.ssl.keystore.*}). Without it, an
 * {@code https} registry URL uses the JVM's default trust.
 *
 * @param truststore         the trust store file
 * @param truststorePassword its password, if any
 * @param truststoreType     PKCS12 or JKS (default PKCS12)
 * @param keystore           a key store with the client's key and certificate, for mutual TLS
 * @param keystorePassword   its password (also the key's)
 * @param keystoreType       PKCS12 or JKS (default PKCS12)
 */
public record RegistryTls(Path truststore, Optional<String> truststorePassword, String truststoreType,
                          Optional<Path> keystore, Optional<String> keystorePassword, String keystoreType) {

    public static final String TRUSTSTORE_LOCATION = "schema.registry.ssl.truststore.location";
    public static final String TRUSTSTORE_PASSWORD = "schema.registry.ssl.truststore.password";
    public static final String TRUSTSTORE_TYPE = "schema.registry.ssl.truststore.type";
    public static final String KEYSTORE_LOCATION = "schema.registry.ssl.keystore.location";
    public static final String KEYSTORE_PASSWORD = "schema.registry.ssl.keystore.password";
    public static final String KEYSTORE_TYPE = "schema.registry.ssl.keystore.type";
    public static final String DEFAULT_TYPE = "PKCS12";

    public RegistryTls {
        Objects.requireNonNull(truststore, "truststore");
        truststorePassword = Objects.requireNonNullElse(truststorePassword, Optional.empty());
        truststoreType = truststoreType == null || truststoreType.isBlank() ? DEFAULT_TYPE : truststoreType;
        keystore = Objects.requireNonNullElse(keystore, Optional.empty());
        keystorePassword = Objects.requireNonNullElse(keystorePassword, Optional.empty());
        keystoreType = keystoreType == null || keystoreType.isBlank() ? DEFAULT_TYPE : keystoreType;
    }

    /** A trust store only. */
    public static RegistryTls trusting(Path truststore, String password) {
        return new RegistryTls(truststore, Optional.ofNullable(password), DEFAULT_TYPE, Optional.empty(),
                Optional.empty(), DEFAULT_TYPE);
    }

    /**
     * Loads the stores into an SSL context.
     *
     * @throws IllegalArgumentException naming the property whose store cannot be read or opened
     */
    public SSLContext sslContext() {
        try {
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(load(truststore, truststorePassword, truststoreType, TRUSTSTORE_LOCATION));
            KeyManagerFactory keys = null;
            if (keystore.isPresent()) {
                keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                char[] password = keystorePassword.map(String::toCharArray).orElse(new char[0]);
                keys.init(load(keystore.get(), keystorePassword, keystoreType, KEYSTORE_LOCATION), password);
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys == null ? null : keys.getKeyManagers(), trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("Cannot set up TLS for the schema registry: " + e.getMessage(), e);
        }
    }

    private static KeyStore load(Path file, Optional<String> password, String type, String key) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("Invalid value '" + file + "' for configuration '" + key + "': no such file");
        }
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore store = KeyStore.getInstance(type);
            store.load(in, password.map(String::toCharArray).orElse(null));
            return store;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("Invalid value '" + file + "' for configuration '" + key
                    + "': cannot open it as a " + type + " store (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public String toString() {
        // Never print the passwords.
        return "RegistryTls[truststore=" + truststore + ", type=" + truststoreType + ", keystore=" + keystore.orElse(null) + "]";
    }
}
