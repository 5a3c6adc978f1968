import VAENumerics

/// The VAE's latent layer: z = mu + ε·exp(logvar/2), and the KL divergence of N(mu, σ²) from N(0, I).
///
/// The encoder head is one `[batch, 2·z_dim]` block: mu in the first z_dim columns, logvar in the rest.
package enum GaussianLatent {
    /// Draws z by reparameterisation and returns the summed KL = -½ Σ (1 + logvar - mu² - exp(logvar)).
    package static func forward(
        head: UnsafePointer<Float>, noise: UnsafePointer<Float>, z: UnsafeMutablePointer<Float>,
        batch: Int, zDim: Int
    ) -> Double {
        var kl = 0.0
        for row in 0..<batch {
            let mu = head + row * 2 * zDim, logvar = mu + zDim
            var rowSum: Float = 0
            for j in 0..<zDim {
                let variance = expf32(logvar[j])
                z[row * zDim + j] = mu[j] + noise[row * zDim + j] * variance.squareRoot()
                rowSum += 1 + logvar[j] - mu[j] * mu[j] - variance
            }
            kl += Double(rowSum)
        }
        return -0.5 * kl
    }

    /// KL alone (no sampling), summed over the batch.
    package static func divergence(head: UnsafePointer<Float>, batch: Int, zDim: Int) -> Double {
        var kl = 0.0
        for row in 0..<batch {
            let mu = head + row * 2 * zDim, logvar = mu + zDim
            var rowSum: Float = 0
            for j in 0..<zDim { rowSum += 1 + logvar[j] - mu[j] * mu[j] - expf32(logvar[j]) }
            kl += Double(rowSum)
        }
        return -0.5 * kl
    }

    /// Gradient of (reconstruction loss + β·KL) w.r.t. the head, given dL/dz from the decoder.
    ///
    /// d/dmu = dz + β·mu; d/dlogvar = dz·ε·σ/2 + β·(exp(logvar) - 1)/2.
    package static func backward(
        zGradient: UnsafePointer<Float>, head: UnsafePointer<Float>, noise: UnsafePointer<Float>,
        headGradient: UnsafeMutablePointer<Float>, batch: Int, zDim: Int, klWeight: Float = 1
    ) {
        for row in 0..<batch {
            let mu = head + row * 2 * zDim, logvar = mu + zDim
            let dMu = headGradient + row * 2 * zDim, dLogvar = dMu + zDim
            for j in 0..<zDim {
                let dz = zGradient[row * zDim + j]
                let variance = expf32(logvar[j])
                dMu[j] = dz + klWeight * mu[j]
                dLogvar[j] = 0.5 * dz * noise[row * zDim + j] * variance.squareRoot() + klWeight * 0.5 * (variance - 1)
            }
        }
    }
}
