-- AlterTable
ALTER TABLE `woc_users` MODIFY `email` VARCHAR(50) NOT NULL;

-- AlterTable
ALTER TABLE `woc_users` MODIFY `status` ENUM('ACTIVE', 'DISABLED') NOT NULL DEFAULT 'ACTIVE';

-- AlterTable
ALTER TABLE `woc_organization_settings` MODIFY `screenshotRetentionDays` SMALLINT NOT NULL DEFAULT 90,
    MODIFY `idleTimeoutMinutes` INTEGER UNSIGNED NOT NULL DEFAULT 5;

-- AlterTable
ALTER TABLE `woc_adhoc_requests` MODIFY `reason` JSON NOT NULL;

-- AlterTable
ALTER TABLE `woc_screenshots` MODIFY `width` SMALLINT UNSIGNED NOT NULL;

-- AlterTable
ALTER TABLE `woc_contact_messages` MODIFY `message` MEDIUMTEXT NOT NULL,
    MODIFY `name` VARCHAR(255) NOT NULL;
