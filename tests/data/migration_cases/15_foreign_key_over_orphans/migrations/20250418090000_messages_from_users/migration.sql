-- AddForeignKey
ALTER TABLE `woc_contact_messages` ADD CONSTRAINT `woc_contact_messages_email_fkey` FOREIGN KEY (`email`) REFERENCES `woc_users`(`email`) ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `woc_adhoc_requests` ADD CONSTRAINT `woc_adhoc_requests_organizationId_userId_fkey` FOREIGN KEY (`userId`) REFERENCES `woc_users`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;
