// The credentials and trust a network store uses, from the Access the CLI or
// the wizard configured (imager/store_access.hpp). A store asks
// credentials_for() when it connects and keeps them in memory only.
#pragma once

#include "imager/store_access.hpp"
#include "store/url.hpp"

#include <string>

namespace imager::store {

struct Credentials {
    std::string user;      // S3: the access key id
    std::string password;  // or the passphrase of `key`; S3: the secret access key
    std::string key;       // SSH: a private key file (OpenSSH or PEM form)
    std::string endpoint;  // S3: the service's URL ("https://minio.lan:9000"); not a secret
    std::string region;    // S3: the region requests are signed for ("us-east-1")
};

// The user, password and SSH key for `url`, from (first that has one) the credentials
// file, then LIFEBOAT_USER / LIFEBOAT_PASSWORD; the URL's user and the password
// typed into the wizard (Access::password) win over both. For s3:// also
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, and the endpoint from --endpoint
// (Access::endpoint), the file or AWS_ENDPOINT_URL, the region from
// Access::region (the wizard's form), the file, AWS_REGION or
// AWS_DEFAULT_REGION (empty when none says).
// No password is not an error: the server may not want one.
[[nodiscard]] Result<Credentials> credentials_for(const StoreUrl& url);

// The PEM text of every trusted certificate authority: the system's bundle
// (the media carry Debian's) followed by --ca FILE. A missing --ca file is an
// error; a missing system bundle is not (then only --ca is trusted).
[[nodiscard]] Result<std::string> trusted_authorities();

}  // namespace imager::store
